"""Window loops of convolution and max pooling for the NumPy backend, compiled by numba.

NumPy does these as a strided copy or one strided addition per window offset, each a
separate pass over memory on one core, and pads with a separate copy. These loops make
one pass and read the unpadded input (positions outside it count as padding). They run on
one thread: a parallel region between two multithreaded BLAS calls makes two thread pools
spin against each other on a small machine (measured on 2 cores: 12-28 ms instead of
0.7 ms for one im2col of 32 images while the machine was busy). They compute the same values as the
NumPy formulation in ``kerasette/layers/convolution.py``, which the tests compare them
with. All arrays are channels-last with two spatial axes; one-axis layers pass height 1.

numba is the optional extra ``pip install "kerasette[fast]"``; it is imported when a
convolution or pooling layer first runs, never at ``import kerasette``.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def im2col(inputs, window, strides, dilation, pads, columns):
    """``columns[n, oh, ow, i, j, c]``: input pixel read by kernel tap (i, j) at output (oh, ow), or 0."""
    batch, height, width, channels = inputs.shape
    out_h, out_w = columns.shape[1], columns.shape[2]
    for n in range(batch):
        for oh in range(out_h):
            for ow in range(out_w):
                for i in range(window[0]):
                    row = oh * strides[0] + i * dilation[0] - pads[0]
                    for j in range(window[1]):
                        col = ow * strides[1] + j * dilation[1] - pads[1]
                        if 0 <= row < height and 0 <= col < width:
                            for c in range(channels):
                                columns[n, oh, ow, i, j, c] = inputs[n, row, col, c]
                        else:
                            for c in range(channels):
                                columns[n, oh, ow, i, j, c] = 0


@numba.njit(cache=True)
def col2im(grad_columns, window, strides, dilation, pads, grad_inputs):
    """The adjoint of :func:`im2col`: adds each tap's gradient onto the pixel it read."""
    batch, height, width, channels = grad_inputs.shape
    out_h, out_w = grad_columns.shape[1], grad_columns.shape[2]
    for n in range(batch):
        grad_inputs[n] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                for i in range(window[0]):
                    row = oh * strides[0] + i * dilation[0] - pads[0]
                    if row < 0 or row >= height:
                        continue
                    for j in range(window[1]):
                        col = ow * strides[1] + j * dilation[1] - pads[1]
                        if 0 <= col < width:
                            for c in range(channels):
                                grad_inputs[n, row, col, c] += grad_columns[n, oh, ow, i, j, c]


@numba.njit(cache=True)
def max_pool(inputs, window, strides, pads, outputs, argmax):
    """Window maxima, and the flat window index ``i * window_w + j`` of the first of each."""
    batch, height, width, channels = inputs.shape
    out_h, out_w = outputs.shape[1], outputs.shape[2]
    for n in range(batch):
        for oh in range(out_h):
            # The first tap inside the input starts each window ('same' windows may begin
            # in the padding, never lie wholly in it).
            first_row = max(oh * strides[0] - pads[0], 0)
            for ow in range(out_w):
                first_col = max(ow * strides[1] - pads[1], 0)
                best, where = outputs[n, oh, ow], argmax[n, oh, ow]
                first = (first_row - oh * strides[0] + pads[0]) * window[1] + first_col - ow * strides[1] + pads[1]
                for c in range(channels):
                    best[c] = inputs[n, first_row, first_col, c]
                    where[c] = first
                for i in range(window[0]):
                    row = oh * strides[0] + i - pads[0]
                    if row < first_row or row >= height:
                        continue
                    for j in range(window[1]):
                        col = ow * strides[1] + j - pads[1]
                        if col < first_col or col >= width or (row == first_row and col == first_col):
                            continue
                        tap = i * window[1] + j
                        pixel = inputs[n, row, col]
                        for c in range(channels):
                            # Ties keep the first; a NaN wins and stays, as in np.max.
                            value = pixel[c]
                            better = value > best[c] or (value != value and best[c] == best[c])
                            best[c] = value if better else best[c]
                            where[c] = tap if better else where[c]


@numba.njit(cache=True)
def max_pool_backward(grad_outputs, argmax, window, strides, pads, grad_inputs):
    """Sends each output's gradient to the input that was its window's maximum."""
    batch, out_h, out_w, channels = grad_outputs.shape
    for n in range(batch):
        grad_inputs[n] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                for c in range(channels):
                    index = argmax[n, oh, ow, c]
                    row = oh * strides[0] + index // window[1] - pads[0]
                    col = ow * strides[1] + index % window[1] - pads[1]
                    grad_inputs[n, row, col, c] += grad_outputs[n, oh, ow, c]


@numba.njit(cache=True)
def direct_conv(inputs, kernel, bias, window, strides, dilation, pads, relu, outputs):
    """``outputs = conv(inputs, kernel) + bias`` (then relu if asked), tap by tap.

    For kernels with few inputs per output (a first layer's ``3 x 3 x 1`` or ``3 x 3 x 3``)
    im2col and a thin matrix product cost more passes over memory than the arithmetic:
    this loop reads the input once and writes each output once.
    """
    batch, height, width, channels = inputs.shape
    out_h, out_w, filters = outputs.shape[1], outputs.shape[2], outputs.shape[3]
    for n in range(batch):
        for oh in range(out_h):
            for ow in range(out_w):
                total = outputs[n, oh, ow]
                for f in range(filters):
                    total[f] = bias[f]
                for i in range(window[0]):
                    row = oh * strides[0] + i * dilation[0] - pads[0]
                    if row < 0 or row >= height:
                        continue
                    for j in range(window[1]):
                        col = ow * strides[1] + j * dilation[1] - pads[1]
                        if col < 0 or col >= width:
                            continue
                        for c in range(channels):
                            value, taps = inputs[n, row, col, c], kernel[i, j, c]
                            for f in range(filters):
                                total[f] += value * taps[f]
                if relu:
                    for f in range(filters):
                        total[f] = max(total[f], 0)


@numba.njit(cache=True)
def direct_conv_backward(inputs, grad, outputs, window, strides, dilation, pads, relu, grad_kernel, grad_bias):
    """Kernel and bias gradients of :func:`direct_conv` in one pass over ``grad``, which
    is first multiplied in place by relu's derivative when ``relu``. Sums are taken per
    image in the arrays' dtype and across images in float64."""
    batch, height, width, channels = inputs.shape
    out_h, out_w, filters = grad.shape[1], grad.shape[2], grad.shape[3]
    kernel_total = np.zeros(grad_kernel.shape)
    bias_total = np.zeros(filters)
    kernel_part = np.empty_like(grad_kernel)
    bias_part = np.empty_like(grad_bias)
    for n in range(batch):
        kernel_part[...] = 0
        bias_part[...] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                g = grad[n, oh, ow]
                if relu:
                    y = outputs[n, oh, ow]
                    for f in range(filters):
                        g[f] = g[f] if y[f] > 0 else 0
                for f in range(filters):
                    bias_part[f] += g[f]
                for i in range(window[0]):
                    row = oh * strides[0] + i * dilation[0] - pads[0]
                    if row < 0 or row >= height:
                        continue
                    for j in range(window[1]):
                        col = ow * strides[1] + j * dilation[1] - pads[1]
                        if col < 0 or col >= width:
                            continue
                        for c in range(channels):
                            value, taps = inputs[n, row, col, c], kernel_part[i, j, c]
                            for f in range(filters):
                                taps[f] += value * g[f]
        kernel_total += kernel_part
        bias_total += bias_part
    grad_kernel[...] = kernel_total
    grad_bias[...] = bias_total
