"""3x3 convolutions of stride 1 by Winograd's F(2x2, 3x3), on the NumPy backend's compiled
loops (``backend/numpy_winograd.py`` has the transforms and the arithmetic behind them).

Forward, kernel gradient and input gradient each become 16 matrix products over the
transformed tiles instead of one over the im2col matrix, with 16/36 of its
multiplications. Measured single-threaded for the MNIST convnet's second layer (64
images, 32 -> 64 channels): 16 products of 2.5-3.1 ms against 3.8-4.0 ms for each of
im2col's three. Like :mod:`compiled_conv`, each core takes slices of the batch in turn,
and the bias and relu (or no activation) are applied in the output transform.
"""

from __future__ import annotations

from kerasette import activations, backend
from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.convolution import Geometry

# Fewer input channels make the 16 matrix products too thin to pay for the transforms
# (a first layer on grey or RGB images takes compiled_conv's patch-major im2col instead).
WINOGRAD_MIN_CHANNELS = 8

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


def _scratch_size(splitter, batch: int) -> tuple[int, int]:
    """How many threads take parts of ``batch``, and the most images in one part: the
    size of the per-thread scratch buffers."""
    bounds = splitter.parts(batch)
    return min(splitter.workers, len(bounds)), max(last - first for first, last in bounds)


def forward(layer, state, inputs, geometry: Geometry, linear):
    """Writes the convolution with bias and activation into ``linear`` ``(batch * output
    positions, filters)``; returns the transformed input tiles (the backward pass's)."""
    kernels, splitter = backend.winograd_kernels(), backend.batch_splitter()
    batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
    if layer.data_format == "channels_first":
        inputs = convolution.to_channels_last(inputs, layer.rank)
    inputs = xp.ascontiguousarray(inputs)
    tiles_h, tiles_w = _tiles(geometry)
    per_image = tiles_h * tiles_w
    pads = tuple(before for before, _ in geometry.pads)
    transform = xp.asarray(KERNEL_TRANSFORM, dtype=inputs.dtype)
    kernel = layer.params["kernel"].data
    # U = G g G^T over the two kernel axes, for every (channel, filter) pair at once.
    transformed_kernel = xp.tensordot(transform, xp.tensordot(transform, kernel, axes=(1, 1)), axes=(1, 1))
    transformed_kernel = xp.ascontiguousarray(transformed_kernel.reshape(16, channels, layer.filters))
    tiles = state.buffer("winograd_tiles", (16, batch * per_image, channels), inputs.dtype)
    # The products are used once, right after they are made: one scratch buffer per
    # thread, the size of the largest part, stays in cache.
    threads, largest = _scratch_size(splitter, batch)
    products = state.buffer("winograd_products", (threads, 16, largest * per_image, layer.filters), inputs.dtype)
    outputs = linear.reshape(batch, *geometry.output_spatial, layer.filters)
    relu = layer.activation is activations.relu

    def images(part):
        first, last = part.first, part.last
        part_tiles = tiles[:, first * per_image : last * per_image]
        part_products = products[part.thread, :, : (last - first) * per_image]
        kernels.input_tiles(inputs[first:last], pads, tiles_w, part_tiles)
        xp.matmul(part_tiles, transformed_kernel, out=part_products)
        kernels.output_tiles(part_products, layer.params["bias"].data, relu, tiles_w, outputs[first:last])

    splitter.run(batch, images)
    state.transformed_kernel = transformed_kernel
    return tiles


def backward(layer, state, grad, geometry: Geometry, relu: bool):
    """Fills the kernel and bias gradients from ``grad`` ``(batch * output positions,
    filters)`` (times relu's derivative when ``relu``); returns the channels-last input
    gradient, or None."""
    kernels, splitter = backend.winograd_kernels(), backend.batch_splitter()
    batch, channels, filters = geometry.input_shape[0], geometry.input_shape[-1], layer.filters
    tiles_h, tiles_w = _tiles(geometry)
    per_image = tiles_h * tiles_w
    pads = tuple(before for before, _ in geometry.pads)
    tiles, transformed_kernel = state.trained_columns, state.transformed_kernel
    grad = grad.reshape(batch, *geometry.output_spatial, filters)
    outputs = state.linear.reshape(grad.shape)
    bounds = splitter.parts(batch)
    threads, largest = _scratch_size(splitter, batch)
    kernel_parts = state.buffer("winograd_kernel_parts", (len(bounds), 16, channels, filters), grad.dtype)
    bias_parts = state.buffer("bias_gradient_parts", (len(bounds), filters), grad.dtype)
    grad_products = state.buffer("winograd_grad_products", (threads, 16, largest * per_image, filters), grad.dtype)
    if state.need_input_grad:
        grad_inputs = state.buffer("grad_inputs", geometry.input_shape, grad.dtype)
        grad_tiles = state.buffer("winograd_grad_tiles", (threads, 16, largest * per_image, channels), grad.dtype)

    def images(part):
        first, last = part.first, part.last
        rows = slice(first * per_image, last * per_image)
        part_grad_products = grad_products[part.thread, :, : (last - first) * per_image]
        kernels.output_tiles_backward(
            grad[first:last], outputs[first:last], relu, tiles_w, part_grad_products, bias_parts[part.index]
        )
        xp.matmul(tiles[:, rows].transpose(0, 2, 1), part_grad_products, out=kernel_parts[part.index])
        if state.need_input_grad:
            part_grad_tiles = grad_tiles[part.thread, :, : (last - first) * per_image]
            xp.matmul(part_grad_products, transformed_kernel.transpose(0, 2, 1), out=part_grad_tiles)
            kernels.input_tiles_backward(part_grad_tiles, pads, tiles_w, grad_inputs[first:last])

    splitter.run(batch, images)
    transform = xp.asarray(KERNEL_TRANSFORM, dtype=grad.dtype)
    grad_transformed_kernel = kernel_parts.sum(axis=0).reshape(4, 4, channels, filters)
    # dg = G^T dU G over the two transform axes.
    state.gradient(layer.params["kernel"])[...] = xp.tensordot(
        transform.T, xp.tensordot(transform.T, grad_transformed_kernel, axes=(1, 1)), axes=(1, 1)
    )
    bias_parts.sum(axis=0, out=state.gradient(layer.params["bias"]))
    return grad_inputs if state.need_input_grad else None
