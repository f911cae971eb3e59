"""Window loops of convolution and max pooling for the NumPy backend, compiled by numba.

NumPy does these as a strided copy or one strided addition per window offset, each a
separate pass over memory on one core, and pads with a separate copy. These loops make
one pass and read the unpadded input (positions outside it count as padding). Bias and
relu, and relu's gradient with the bias gradient, are one pass each instead of NumPy's
two or three.

They run on one thread. OpenBLAS's idle worker keeps spinning for a while after each
matrix product, so a numba parallel region right after one fights it for the cores:
measured on this project's 2-core machine with the MNIST convnet, 72 ms a training step
with numba's OpenMP threads against 46 ms on one thread, and no gain with its workqueue
threads. They compute the same values as the NumPy formulation in
``kerasette/layers/convolution.py``, which the tests compare them with. All arrays are
channels-last with two spatial axes; one-axis layers pass height 1.

numba is imported when a convolution or pooling layer first runs, never at
``import kerasette``.
"""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True)
def im2col_patch_major(inputs, window, strides, dilation, pads, columns):
    """``columns[i, j, c, n, oh, ow]``: :func:`im2col`'s matrix transposed, one row per kernel tap.

    For inputs with few channels (a first layer's grey or RGB images) each window's row of
    :func:`im2col` is only a few numbers long, so copying it costs a loop per handful of
    values; here each copy is a run along an output row instead (measured on the MNIST
    convnet's first layer, 128 images: 0.8 ms against 3.0 ms). The matrix product takes
    the transposed matrix as it is, through a transposed view.
    """
    batch, height, width, channels = inputs.shape
    out_h, out_w = columns.shape[4], columns.shape[5]
    for i in range(window[0]):
        for j in range(window[1]):
            # The output columns whose tap (i, j) reads inside the input, not the padding.
            first = 0
            while first < out_w and first * strides[1] + j * dilation[1] - pads[1] < 0:
                first += 1
            last = out_w
            while last > first and (last - 1) * strides[1] + j * dilation[1] - pads[1] >= width:
                last -= 1
            for c in range(channels):
                for n in range(batch):
                    for oh in range(out_h):
                        target = columns[i, j, c, n, oh]
                        row = oh * strides[0] + i * dilation[0] - pads[0]
                        if row < 0 or row >= height:
                            target[:] = 0
                            continue
                        source = inputs[n, row]
                        target[:first] = 0
                        for ow in range(first, last):
                            target[ow] = source[ow * strides[1] + j * dilation[1] - pads[1], c]
                        target[last:] = 0


@numba.njit(cache=True, nogil=True)
def bias_relu(values, bias, relu):
    """``values += bias``, then relu (when ``relu``) in place, in one pass over ``(rows, filters)``.

    NaN stays NaN, as in ``np.maximum``.
    """
    rows, filters = values.shape
    for r in range(rows):
        line = values[r]
        for f in range(filters):
            value = line[f] + bias[f]
            line[f] = 0 if relu and value < 0 else value


@numba.njit(cache=True, nogil=True)
def relu_grad_bias_sum(grad, outputs, relu, grad_bias):
    """In one pass over ``(rows, filters)``: multiplies ``grad`` by relu's derivative at
    ``outputs`` in place (when ``relu``), and writes its column sums, taken in float64,
    to ``grad_bias``."""
    rows, filters = grad.shape
    total = np.zeros(filters)
    for r in range(rows):
        g = grad[r]
        if relu:
            y = outputs[r]
            for f in range(filters):
                g[f] = g[f] if y[f] > 0 else 0
        for f in range(filters):
            total[f] += g[f]
    for f in range(filters):
        grad_bias[f] = total[f]


@numba.njit(cache=True, nogil=True)
def max_pool(inputs, window, strides, pads, outputs, argmax):
    """Window maxima, and the flat window index ``i * window_w + j`` of the first of each.

    Taps in the padding are skipped ('same' windows may begin in the padding, never lie
    wholly in it); the first tap inside the input starts each window. Works one output
    row at a time, tap by tap, so each input row is read in order.
    """
    batch, height, width, channels = inputs.shape
    out_h, out_w = outputs.shape[1], outputs.shape[2]
    started = np.zeros(out_w, np.bool_)
    for n in range(batch):
        for oh in range(out_h):
            best_row, where_row = outputs[n, oh], argmax[n, oh]
            started[:] = False
            for i in range(window[0]):
                row = oh * strides[0] + i - pads[0]
                if row < 0 or row >= height:
                    continue
                source = inputs[n, row]
                for j in range(window[1]):
                    tap = i * window[1] + j
                    for ow in range(out_w):
                        col = ow * strides[1] + j - pads[1]
                        if col < 0 or col >= width:
                            continue
                        pixel, best, where = source[col], best_row[ow], where_row[ow]
                        if not started[ow]:
                            started[ow] = True
                            for c in range(channels):
                                best[c] = pixel[c]
                                where[c] = tap
                            continue
                        for c in range(channels):
                            # Ties keep the first; a NaN wins and stays, as in np.max.
                            value = pixel[c]
                            better = value > best[c] or (value != value and best[c] == best[c])
                            best[c] = value if better else best[c]
                            where[c] = tap if better else where[c]


@numba.njit(cache=True, nogil=True)
def max_pool_backward(grad_outputs, argmax, window, strides, pads, grad_inputs):
    """Sends each output's gradient to the input that was its window's maximum.

    Tap by tap, comparing with the stored index (dividing it back into a row and a column
    per value was slower). Windows that do not overlap (strides >= pool size, the usual
    case) write each input they cover once, so only inputs outside every window need
    zeros first (none when the windows tile the input): 0.7 ms against 2.4 ms for
    zeroing and adding, on the MNIST convnet's first pooling.
    """
    batch, out_h, out_w, channels = grad_outputs.shape
    height, width = grad_inputs.shape[1], grad_inputs.shape[2]
    disjoint = strides[0] >= window[0] and strides[1] >= window[1]
    tiled = (
        strides[0] == window[0]
        and strides[1] == window[1]
        and out_h * strides[0] - pads[0] >= height
        and out_w * strides[1] - pads[1] >= width
    )
    for n in range(batch):
        if not tiled:
            grad_inputs[n] = 0
        for oh in range(out_h):
            for i in range(window[0]):
                row = oh * strides[0] + i - pads[0]
                if row < 0 or row >= height:
                    continue
                target_row = grad_inputs[n, row]
                for ow in range(out_w):
                    grad, where = grad_outputs[n, oh, ow], argmax[n, oh, ow]
                    for j in range(window[1]):
                        col = ow * strides[1] + j - pads[1]
                        if col < 0 or col >= width:
                            continue
                        tap = i * window[1] + j
                        target = target_row[col]
                        if disjoint:
                            for c in range(channels):
                                target[c] = grad[c] if where[c] == tap else 0
                        else:
                            for c in range(channels):
                                target[c] += grad[c] if where[c] == tap else 0
