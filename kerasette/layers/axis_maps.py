"""Linear maps along the spatial axes: bilinear interpolation and adaptive averaging.

Both act on each spatial axis separately, as an ``(output length, input length)`` matrix
(made on the host, once per shape); the forward pass applies each axis's matrix, the
backward pass its transpose. The windows of adaptive pooling are PyTorch's (the rule Keras
3 follows): output ``i`` of ``n`` covers inputs ``floor(i * length / n)`` to
``ceil((i + 1) * length / n)``.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp


def adaptive_windows(length: int, outputs: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each of the ``outputs`` windows over ``length`` inputs.

    >>> adaptive_windows(7, 3)
    [(0, 3), (2, 5), (4, 7)]
    """
    return [((i * length) // outputs, -((-(i + 1) * length) // outputs)) for i in range(outputs)]


def adaptive_average_matrix(length: int, outputs: int):
    """The matrix that averages each adaptive window."""
    matrix = xp.zeros((outputs, length))
    for row, (start, stop) in enumerate(adaptive_windows(length, outputs)):
        matrix[row, start:stop] = 1.0 / (stop - start)
    return matrix


def bilinear_matrix(length: int, outputs: int):
    """Linear interpolation from ``length`` samples to ``outputs``, at half-pixel centres
    (``align_corners=False``, as Keras's ``ops.image.resize``): output ``j`` reads input
    position ``(j + 0.5) * length / outputs - 0.5``, clamped at 0.

    >>> bilinear_matrix(2, 4).tolist()
    [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]]
    """
    position = xp.maximum((xp.arange(outputs) + 0.5) * length / outputs - 0.5, 0.0)
    below = xp.minimum(xp.floor(position).astype(int), length - 1)
    above = xp.minimum(below + 1, length - 1)
    weight = position - below
    # Both neighbours' shares, added where they coincide (the last input).
    columns = xp.arange(length)[None, :]
    matrix = (columns == below[:, None]) * (1.0 - weight)[:, None] + (columns == above[:, None]) * weight[:, None]
    return matrix


def apply_along(array, matrices: dict, transpose: bool = False):
    """``array`` with each ``{axis: matrix}`` applied along its axis (``matrix.T`` when
    ``transpose``, which is the backward pass)."""
    for axis, matrix in matrices.items():
        matrix = matrix.T if transpose else matrix
        array = xp.moveaxis(xp.tensordot(array, matrix, axes=([axis], [1])), -1, axis)
    return xp.ascontiguousarray(array)


def device_matrices(maker, lengths: tuple, outputs: tuple, first_axis: int, dtype) -> dict:
    """``{axis: matrix}`` on the device for spatial axes from ``first_axis`` on."""
    return {
        first_axis + index: backend.to_device(maker(length, out), dtype)
        for index, (length, out) in enumerate(zip(lengths, outputs))
    }
