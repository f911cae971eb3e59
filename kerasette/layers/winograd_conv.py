"""3x3 convolutions of stride 1 by Winograd's F(2x2, 3x3), on the NumPy backend's compiled
loops (``backend/numpy_winograd.py`` has the transforms and the arithmetic behind them).

Forward, kernel gradient and input gradient each become 16 matrix products over the
transformed tiles instead of one over the im2col matrix, with 16/36 of its
multiplications. Measured single-threaded for the MNIST convnet's second layer (64
images, 32 -> 64 channels): 16 products of 2.5-3.1 ms against 3.8-4.0 ms for each of
im2col's three. Like :mod:`compiled_conv`, each core takes slices of the batch in turn,
and the bias and relu (or no activation) are applied in the output transform. Each core
works its slice a few images at a time (CHUNK_BYTES), so that the transformed tiles and
their products are read back from its cache, not from memory; the backward pass makes
the input tiles again instead of keeping them. For the ResNet benchmark's 32 -> 32
channel layers on 13x13 images (batch 128), that took the training step's CPU time from
a median 104 to 91 ms (two threads, alternating 10-step fits in one process).
"""

from __future__ import annotations

from kerasette import activations, backend
from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.convolution import Geometry

# Fewer input channels make the 16 matrix products too thin to pay for the transforms
# (a first layer on grey or RGB images takes compiled_conv's patch-major im2col instead).
WINOGRAD_MIN_CHANNELS = 8

# Each thread transforms a few images at a time, so that their tiles and products (16
# numbers per tile for each channel or filter) stay in its core's cache between the
# transforms and the matrix products.
CHUNK_BYTES = 2**20

# G of F(2x2, 3x3): the kernel transform U = G g G^T.
KERNEL_TRANSFORM = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))


def applies(layer, geometry: Geometry) -> bool:
    """Whether ``layer`` on inputs of ``geometry`` can run by Winograd: a 2D 3x3 kernel of
    stride 1 without dilation ('valid' or 'same') on enough input channels. The caller
    also requires a bias with relu or no activation, which the output transform applies."""
    return (
        layer.rank == 2
        and layer.kernel_size == (3, 3)
        and layer.strides == (1, 1)
        and layer.dilation_rate == (1, 1)
        and geometry.input_shape[-1] >= WINOGRAD_MIN_CHANNELS
    )


def _tiles(geometry: Geometry) -> tuple[int, int]:
    """Tiles down and across each image: one per 2x2 block of outputs."""
    out_h, out_w = geometry.output_spatial
    return -(-out_h // 2), -(-out_w // 2)


def _chunking(splitter, batch: int, per_image: int, width: int, itemsize: int) -> tuple[int, int]:
    """How many threads take parts of ``batch``, and how many images each thread transforms
    at a time: as many as keep its transformed tiles and their products (``width``
    numbers per tile and transform element) within CHUNK_BYTES, in even chunks."""
    bounds = splitter.parts(batch)
    largest = max(last - first for first, last in bounds)
    fitting = max(1, CHUNK_BYTES // (16 * per_image * width * itemsize))
    chunks = -(-largest // fitting)
    return min(splitter.workers, len(bounds)), -(-largest // chunks)


def _chunks(part, size: int):
    """``(first, last)`` of the chunks of ``size`` images (the last may be smaller) of ``part``."""
    for first in range(part.first, part.last, size):
        yield first, min(first + size, part.last)


def forward(layer, state, inputs, geometry: Geometry, linear):
    """Writes the convolution with bias and activation into ``linear`` ``(batch * output
    positions, filters)``; returns the channels-last inputs, from which the backward pass
    transforms its tiles again (cheaper than keeping them: they are 16/4 times the size of
    the outputs, and reading them back from memory cost more than making them anew)."""
    kernels, splitter = backend.winograd_kernels(), backend.batch_splitter()
    batch, channels, filters = geometry.input_shape[0], geometry.input_shape[-1], layer.filters
    if layer.data_format == "channels_first":
        inputs = convolution.to_channels_last(inputs, layer.rank)
    inputs = xp.ascontiguousarray(inputs)
    tiles_h, tiles_w = _tiles(geometry)
    per_image = tiles_h * tiles_w
    pads = tuple(before for before, _ in geometry.pads)
    transformed_kernel = state.buffer("winograd_kernel", (16, channels, filters), inputs.dtype)
    transform = xp.asarray(KERNEL_TRANSFORM, dtype=inputs.dtype)
    kernels.transform_kernel_axes(
        transform, layer.params["kernel"].data, transformed_kernel.reshape(4, 4, channels, filters)
    )
    # Tiles and products live only while their chunk of images is worked on: one scratch
    # buffer of each per thread, small enough to stay in the core's cache.
    threads, chunk = _chunking(splitter, batch, per_image, channels + filters, inputs.itemsize)
    tiles = state.buffer("winograd_tiles", (threads, 16, chunk * per_image, channels), inputs.dtype)
    products = state.buffer("winograd_products", (threads, 16, chunk * per_image, filters), inputs.dtype)
    outputs = linear.reshape(batch, *geometry.output_spatial, filters)
    relu = layer.activation is activations.relu

    def images(part):
        for first, last in _chunks(part, chunk):
            rows = (last - first) * per_image
            chunk_tiles, chunk_products = tiles[part.thread, :, :rows], products[part.thread, :, :rows]
            kernels.input_tiles(inputs[first:last], pads, tiles_w, chunk_tiles)
            xp.matmul(chunk_tiles, transformed_kernel, out=chunk_products)
            kernels.output_tiles(chunk_products, layer.params["bias"].data, relu, tiles_w, outputs[first:last])

    splitter.run(batch, images)
    return inputs


def backward(layer, state, grad, geometry: Geometry, relu: bool):
    """Fills the kernel and bias gradients from ``grad`` ``(batch * output positions,
    filters)`` (times relu's derivative when ``relu``); returns the channels-last input
    gradient, or None."""
    kernels, splitter = backend.winograd_kernels(), backend.batch_splitter()
    batch, channels, filters = geometry.input_shape[0], geometry.input_shape[-1], layer.filters
    tiles_h, tiles_w = _tiles(geometry)
    per_image = tiles_h * tiles_w
    pads = tuple(before for before, _ in geometry.pads)
    inputs, dtype = state.trained_columns, grad.dtype
    grad = grad.reshape(batch, *geometry.output_spatial, filters)
    outputs = state.linear.reshape(grad.shape)
    parts = len(splitter.parts(batch))
    threads, chunk = _chunking(splitter, batch, per_image, channels + filters, grad.itemsize)
    kernel_parts = state.buffer("winograd_kernel_parts", (parts, 16, channels, filters), dtype)
    chunk_kernels = state.buffer("winograd_chunk_kernels", (threads, 16, channels, filters), dtype)
    bias_parts = state.buffer("bias_gradient_parts", (parts, filters), dtype)
    chunk_biases = state.buffer("winograd_chunk_biases", (threads, filters), dtype)
    tiles = state.buffer("winograd_tiles", (threads, 16, chunk * per_image, channels), dtype)
    grad_products = state.buffer("winograd_grad_products", (threads, 16, chunk * per_image, filters), dtype)
    if state.need_input_grad:
        grad_inputs = state.buffer("grad_inputs", geometry.input_shape, dtype)
        grad_tiles = tiles  # each chunk's tiles are used up by the kernel gradient before these are made
        # (16, filters, channels), contiguous: the products with it ran 1.5x as fast as
        # with the transposed view of the forward pass's (16, channels, filters).
        transformed_kernel_t = state.buffer("winograd_kernel_t", (16, filters, channels), dtype)
        transformed_kernel_t[...] = state.buffers["winograd_kernel"].transpose(0, 2, 1)

    def images(part):
        for first, last in _chunks(part, chunk):
            rows = (last - first) * per_image
            chunk_tiles, chunk_grad_products = tiles[part.thread, :, :rows], grad_products[part.thread, :, :rows]
            # The first chunk of a part writes the part's sums, the others add to them.
            opening = first == part.first
            kernel_sum = kernel_parts[part.index] if opening else chunk_kernels[part.thread]
            bias_sum = bias_parts[part.index] if opening else chunk_biases[part.thread]
            kernels.output_tiles_backward(
                grad[first:last], outputs[first:last], relu, tiles_w, chunk_grad_products, bias_sum
            )
            kernels.input_tiles(inputs[first:last], pads, tiles_w, chunk_tiles)
            xp.matmul(chunk_tiles.transpose(0, 2, 1), chunk_grad_products, out=kernel_sum)
            if not opening:
                kernel_parts[part.index] += kernel_sum
                bias_parts[part.index] += bias_sum
            if state.need_input_grad:
                chunk_grad_tiles = grad_tiles[part.thread, :, :rows]
                xp.matmul(chunk_grad_products, transformed_kernel_t, out=chunk_grad_tiles)
                kernels.input_tiles_backward(chunk_grad_tiles, pads, tiles_w, grad_inputs[first:last])

    splitter.run(batch, images)
    grad_transformed_kernel = kernel_parts.sum(axis=0) if parts > 1 else kernel_parts[0]
    transform_t = xp.asarray(KERNEL_TRANSFORM, dtype=dtype).T  # dg = G^T dU G
    kernels.transform_kernel_axes(
        transform_t, grad_transformed_kernel.reshape(4, 4, channels, filters), state.gradient(layer.params["kernel"])
    )
    bias_parts.sum(axis=0, out=state.gradient(layer.params["bias"]))
    return grad_inputs if state.need_input_grad else None
