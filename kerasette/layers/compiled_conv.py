"""The convolution of :class:`BaseConv` on the NumPy backend's compiled loops, one slice of
the batch per core.

Each core takes contiguous slices of the images in turn (``backend.batch_splitter()``) and
does all of the work on each: im2col, the matrix product with the kernel (single-threaded
BLAS), bias and relu; backward, relu's gradient with the bias gradient, the slice's share
of the kernel gradient (summed over the slices afterwards) and its images' input gradient. Inputs with few
channels get the im2col matrix patch-major (one row per kernel tap, copied in long runs);
the input gradient is made and added back a few images at a time, while in cache. 3x3
kernels of stride 1 on enough channels go by Winograd's algorithm instead
(``winograd_conv.py``).
"""

from __future__ import annotations

import math

from kerasette import activations, backend
from kerasette.backend import xp
from kerasette.layers import convolution, winograd_conv
from kerasette.layers.convolution import Geometry

# Below this many input channels the im2col matrix is written patch-major
# (``numpy_windows.im2col_patch_major``): a window's row of the usual layout is then only
# a few numbers long, and copying it one short run at a time cost 3.0 ms against 0.8 ms
# for the MNIST convnet's first layer (grey images, 128 per batch).
PATCH_MAJOR_CHANNELS = 4

# The input gradient's window gradients are made and added back this many bytes at a
# time (about 15 images of the MNIST convnet's second layer), while they are in cache:
# 5.9 ms against 8.3 ms for the whole batch at once, measured with cold caches.
GRAD_COLUMNS_CHUNK_BYTES = 2**21


def fuses_bias_and_activation(layer) -> bool:
    """Whether one compiled pass adds the bias and applies the activation (relu or none),
    and one pass backward takes relu's gradient and the bias gradient."""
    fusable = layer.activation is activations.relu or layer.activation is activations.linear
    return fusable and layer.use_bias


def forward(layer, state, inputs, geometry: Geometry, linear):
    """Writes ``inputs (*) kernel`` (plus bias and relu when fused) into ``linear``
    ``(batch * output positions, filters)``; returns the im2col matrix and whether the
    bias and activation were applied."""
    fused = fuses_bias_and_activation(layer)
    state.winograd = fused and winograd_conv.applies(layer, geometry) and backend.winograd_kernels() is not None
    if state.winograd:
        return winograd_conv.forward(layer, state, inputs, geometry, linear), True
    kernels, splitter = backend.window_kernels(), backend.batch_splitter()
    batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
    if layer.data_format == "channels_first":
        inputs = convolution.to_channels_last(inputs, layer.rank)
    planar_inputs = convolution.as_planar(xp.ascontiguousarray(inputs))
    output, window, *planar = geometry.planar
    rows = math.prod(output)
    if channels < PATCH_MAJOR_CHANNELS:
        store = state.buffer("columns_patch_major", (*window, channels, batch, *output), inputs.dtype)
        columns = store.reshape(-1, batch * rows).T
        image_im2col = kernels.im2col_patch_major

        def image_columns(first, last):
            return store[:, :, :, first:last]
    else:
        store = state.buffer("columns", (batch, *output, *window, channels), inputs.dtype)
        columns = store.reshape(batch * rows, -1)
        image_im2col = kernels.im2col

        def image_columns(first, last):
            return store[first:last]

    kernel = layer.params["kernel"].data.reshape(-1, layer.filters)
    relu = layer.activation is activations.relu

    def images(part):
        first, last = part.first, part.last
        image_im2col(planar_inputs[first:last], window, *planar, image_columns(first, last))
        part_linear = linear[first * rows : last * rows]
        xp.matmul(columns[first * rows : last * rows], kernel, out=part_linear)
        if fused:
            kernels.bias_relu(part_linear, layer.params["bias"].data, relu)

    splitter.run(batch, images)
    return columns, fused


def backward(layer, state, grad, geometry: Geometry, relu: bool):
    """Fills the kernel and bias gradients from ``grad`` ``(batch * output positions,
    filters)`` (first multiplied by relu's derivative in place when ``relu``, with the
    fused bias pass); returns the channels-last input gradient, or None."""
    if state.winograd:
        return winograd_conv.backward(layer, state, grad, geometry, relu)
    kernels, splitter = backend.window_kernels(), backend.batch_splitter()
    batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
    output, window, *planar = geometry.planar
    rows, patch, filters = math.prod(output), math.prod(window) * channels, layer.filters
    columns, linear, fused = state.trained_columns, state.linear, state.fused
    parts = len(splitter.parts(batch))
    kernel_parts = state.buffer("kernel_gradient_parts", (parts, patch, filters), grad.dtype)
    bias_parts = state.buffer("bias_gradient_parts", (parts, filters), grad.dtype)
    kernel_t = layer.params["kernel"].data.reshape(-1, filters).T
    if state.need_input_grad:
        grad_inputs = state.buffer("grad_inputs", geometry.input_shape, grad.dtype)
        chunk = max(1, min(batch, GRAD_COLUMNS_CHUNK_BYTES // (rows * patch * grad.itemsize)))
        grad_columns = state.buffer("grad_columns", (splitter.workers, chunk * rows, patch), grad.dtype)

    def images(part):
        first, last = part.first, part.last
        part_grad = grad[first * rows : last * rows]
        if fused:
            kernels.relu_grad_bias_sum(part_grad, linear[first * rows : last * rows], relu, bias_parts[part.index])
        elif layer.use_bias:
            part_grad.sum(axis=0, out=bias_parts[part.index])
        xp.matmul(columns[first * rows : last * rows].T, part_grad, out=kernel_parts[part.index])
        if not state.need_input_grad:
            return
        for start in range(first, last, chunk):
            stop = min(start + chunk, last)
            window_grads = grad_columns[part.thread, : (stop - start) * rows]
            xp.matmul(grad[start * rows : stop * rows], kernel_t, out=window_grads)
            planar_grads = window_grads.reshape(stop - start, *output, *window, channels)
            kernels.col2im(planar_grads, window, *planar, convolution.as_planar(grad_inputs[start:stop]))

    splitter.run(batch, images)
    kernel_parts.sum(axis=0, out=state.gradient(layer.params["kernel"]).reshape(patch, filters))
    if layer.use_bias:
        bias_parts.sum(axis=0, out=state.gradient(layer.params["bias"]))
    return grad_inputs if state.need_input_grad else None
