"""Winograd's F(2x2, 3x3) transforms for the NumPy backend, compiled by numba.

A 3x3 convolution of stride 1 computes each 2x2 block of outputs ("tile") from a 4x4
block of inputs. Transformed, that is 16 element-wise products instead of 36: with
``V = B^T d B`` (each input tile d), ``U = G g G^T`` (the kernel g), ``M = V * U`` summed
over input channels (16 matrix products, one per element of the 4x4 transform), and
``Y = A^T M A``, a convolution takes 16/36 of im2col's multiplications (Lavin and Gray,
"Fast Algorithms for Convolutional Neural Networks", 2016). The backward pass runs the
transposed transforms: ``dM = A dY A^T``, ``dd = B dV B^T`` added onto overlapping input
tiles, ``dg = G^T dU G``.

Arrays are channels-last: inputs ``(images, height, width, channels)``, transformed
tiles ``(16, tiles, channels)`` with the tiles of an image row by row, element ``4 * i +
j`` of the 4x4 transform first. Inputs outside the image (padding, and the last tile's
overhang when the output size is odd) count as zeros; outputs outside it are dropped.
Loops run over channels innermost, so that they vectorize.
"""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def transform_kernel_axes(matrix, values, transformed):
    """``transformed[i, j, c, f] = (M v M^T)[i, j]`` for the matrix M and the 2D slice v of
    ``values`` at each (channel, filter): the kernel transform ``U = G g G^T`` with M = G,
    and its adjoint ``dg = G^T dU G`` with M = G^T."""
    rows_out, size = matrix.shape
    _, _, channels, filters = values.shape
    rows = np.empty((rows_out, size))
    for c in range(channels):
        for f in range(filters):
            for i in range(rows_out):  # M v
                for b in range(size):
                    total = 0.0
                    for a in range(size):
                        total += matrix[i, a] * values[a, b, c, f]
                    rows[i, b] = total
            for i in range(rows_out):  # (M v) M^T
                for j in range(rows_out):
                    total = 0.0
                    for b in range(size):
                        total += matrix[j, b] * rows[i, b]
                    transformed[i, j, c, f] = total


@numba.njit(cache=True, nogil=True)
def input_tiles(inputs, pads, tiles_w, transformed):
    """``transformed[4i+j, tile, c] = (B^T d B)[i, j]`` for the 4x4 input tile d of each tile.

    Each image is first copied into a zero-bordered scratch image, so that the tile loops
    read without bounds tests (twice as fast as testing each tile's pixels).
    """
    images, height, width, channels = inputs.shape
    tiles_h = transformed.shape[1] // (images * tiles_w)
    padded_h, padded_w = 2 * tiles_h + 2, 2 * tiles_w + 2
    padded = np.zeros((padded_h, padded_w, channels), inputs.dtype)
    rows = np.empty((4, 4, channels), inputs.dtype)
    tile = 0
    for n in range(images):
        for row in range(min(height, padded_h - pads[0])):
            for col in range(min(width, padded_w - pads[1])):
                for c in range(channels):
                    padded[row + pads[0], col + pads[1], c] = inputs[n, row, col, c]
        for th in range(tiles_h):
            for tw in range(tiles_w):
                top, left = 2 * th, 2 * tw
                for j in range(4):  # B^T d: combine rows
                    for c in range(channels):
                        d0, d1 = padded[top, left + j, c], padded[top + 1, left + j, c]
                        d2, d3 = padded[top + 2, left + j, c], padded[top + 3, left + j, c]
                        rows[0, j, c] = d0 - d2
                        rows[1, j, c] = d1 + d2
                        rows[2, j, c] = d2 - d1
                        rows[3, j, c] = d1 - d3
                for i in range(4):  # (B^T d) B: combine columns
                    for c in range(channels):
                        transformed[4 * i, tile, c] = rows[i, 0, c] - rows[i, 2, c]
                        transformed[4 * i + 1, tile, c] = rows[i, 1, c] + rows[i, 2, c]
                        transformed[4 * i + 2, tile, c] = rows[i, 2, c] - rows[i, 1, c]
                        transformed[4 * i + 3, tile, c] = rows[i, 1, c] - rows[i, 3, c]
                tile += 1


@numba.njit(cache=True, nogil=True)
def output_tiles(products, bias, relu, tiles_w, outputs):
    """``outputs`` (2x2 per tile) ``= A^T M A + bias``, then relu when ``relu``; NaN stays NaN."""
    images, out_h, out_w, filters = outputs.shape
    tiles_h = products.shape[1] // (images * tiles_w)
    rows = np.empty((2, 4, filters), outputs.dtype)
    tile = 0
    for n in range(images):
        for th in range(tiles_h):
            for tw in range(tiles_w):
                for j in range(4):  # A^T M: combine rows
                    for f in range(filters):
                        m1, m2 = products[4 + j, tile, f], products[8 + j, tile, f]
                        rows[0, j, f] = products[j, tile, f] + m1 + m2
                        rows[1, j, f] = m1 - m2 - products[12 + j, tile, f]
                for i in range(2):
                    oh = 2 * th + i
                    if oh >= out_h:
                        continue
                    for jj in range(2):
                        ow = 2 * tw + jj
                        if ow >= out_w:
                            continue
                        target = outputs[n, oh, ow]
                        for f in range(filters):
                            if jj == 0:
                                value = rows[i, 0, f] + rows[i, 1, f] + rows[i, 2, f] + bias[f]
                            else:
                                value = rows[i, 1, f] - rows[i, 2, f] - rows[i, 3, f] + bias[f]
                            target[f] = 0 if relu and value < 0 else value
                tile += 1


@numba.njit(cache=True, nogil=True)
def output_tiles_backward(grad, outputs, relu, tiles_w, grad_products, grad_bias):
    """``grad_products = A dY A^T`` per tile, where ``dY`` is ``grad`` times relu's derivative
    at ``outputs`` (when ``relu``); writes dY's sums over positions, in float64, to ``grad_bias``."""
    images, out_h, out_w, filters = grad.shape
    tiles_h = grad_products.shape[1] // (images * tiles_w)
    tile_grad = np.empty((2, 2, filters), grad.dtype)
    rows = np.empty((4, 2, filters), grad.dtype)
    total = np.zeros(filters)
    tile = 0
    for n in range(images):
        for th in range(tiles_h):
            for tw in range(tiles_w):
                for i in range(2):
                    for j in range(2):
                        oh, ow = 2 * th + i, 2 * tw + j
                        if oh >= out_h or ow >= out_w:
                            tile_grad[i, j, :] = 0
                            continue
                        g, y = grad[n, oh, ow], outputs[n, oh, ow]
                        for f in range(filters):
                            value = g[f] if not relu or y[f] > 0 else 0
                            tile_grad[i, j, f] = value
                            total[f] += value
                for j in range(2):  # A dY: spread rows
                    for f in range(filters):
                        g0, g1 = tile_grad[0, j, f], tile_grad[1, j, f]
                        rows[0, j, f] = g0
                        rows[1, j, f] = g0 + g1
                        rows[2, j, f] = g0 - g1
                        rows[3, j, f] = -g1
                for i in range(4):  # (A dY) A^T: spread columns
                    for f in range(filters):
                        g0, g1 = rows[i, 0, f], rows[i, 1, f]
                        grad_products[4 * i, tile, f] = g0
                        grad_products[4 * i + 1, tile, f] = g0 + g1
                        grad_products[4 * i + 2, tile, f] = g0 - g1
                        grad_products[4 * i + 3, tile, f] = -g1
                tile += 1
    for f in range(filters):
        grad_bias[f] = total[f]


@numba.njit(cache=True, nogil=True)
def input_tiles_backward(grad_transformed, pads, tiles_w, grad_inputs):
    """The adjoint of :func:`input_tiles`: adds ``B dV B^T`` of each tile onto the inputs
    it read (tiles overlap by two rows and columns); ``grad_inputs`` is zeroed first."""
    images, height, width, channels = grad_inputs.shape
    tiles_h = grad_transformed.shape[1] // (images * tiles_w)
    rows = np.empty((4, 4, channels), grad_inputs.dtype)
    tile = 0
    for n in range(images):
        grad_inputs[n] = 0
        for th in range(tiles_h):
            for tw in range(tiles_w):
                for j in range(4):  # B dV: spread rows
                    for c in range(channels):
                        v0 = grad_transformed[j, tile, c]
                        v1 = grad_transformed[4 + j, tile, c]
                        v2 = grad_transformed[8 + j, tile, c]
                        v3 = grad_transformed[12 + j, tile, c]
                        rows[0, j, c] = v0
                        rows[1, j, c] = v1 - v2 + v3
                        rows[2, j, c] = v1 + v2 - v0
                        rows[3, j, c] = -v3
                top, left = 2 * th - pads[0], 2 * tw - pads[1]
                for i in range(4):
                    row = top + i
                    if row < 0 or row >= height:
                        continue
                    for j in range(4):  # (B dV) B^T: spread columns, add onto the input
                        col = left + j
                        if col < 0 or col >= width:
                            continue
                        target = grad_inputs[n, row, col]
                        for c in range(channels):
                            if j == 0:
                                target[c] += rows[i, 0, c]
                            elif j == 1:
                                target[c] += rows[i, 1, c] - rows[i, 2, c] + rows[i, 3, c]
                            elif j == 2:
                                target[c] += rows[i, 1, c] + rows[i, 2, c] - rows[i, 0, c]
                            else:
                                target[c] -= rows[i, 3, c]
                tile += 1
