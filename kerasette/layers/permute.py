"""Permute: reorders the axes of each sample."""

from __future__ import annotations

import numbers

from kerasette.backend import xp
from kerasette.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes after the batch axis: output axis ``i`` is input axis ``dims[i - 1]``.

    Args:
        dims: A permutation of ``1 .. rank - 1`` (the batch axis, 0, stays first).

    Example:
    >>> Permute((2, 1))(np.arange(6.0).reshape(1, 2, 3)).shape
    (1, 3, 2)

    Reference: Keras ``keras.layers.Permute``.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        valid = isinstance(dims, (tuple, list)) and all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in dims
        )
        if not valid or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"dims: expected a permutation of 1 .. n (axis 0 is the batch); received {dims!r}")
        self.dims = tuple(int(d) for d in dims)
        self._axes = (0, *self.dims)
        self._inverse = tuple(sorted(range(len(self._axes)), key=self._axes.__getitem__))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute layer '{self.name}': dims={self.dims} permutes {len(self.dims)} axes; expected inputs of "
                f"rank {len(self.dims) + 1}, received shape {tuple(input_shape)}"
            )
        return tuple(input_shape[axis] for axis in self._axes)

    def forward(self, state, inputs, training=False):
        transposed = inputs.transpose(self._axes)
        outputs = state.buffer("outputs", transposed.shape, inputs.dtype)
        outputs[...] = transposed
        return outputs

    def backward(self, state, grad_output):
        return xp.ascontiguousarray(grad_output.transpose(self._inverse)) if state.need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}
