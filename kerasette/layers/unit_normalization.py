"""UnitNormalization: scales each sample to unit L2 norm along some axes."""

from __future__ import annotations

import numbers

from kerasette.backend import xp
from kerasette.layers.layer import Layer

# Keras's floor under the norm: ``x * min(1 / ||x||, 1 / EPSILON)``.
EPSILON = 1e-12


class UnitNormalization(Layer):
    """``x / max(||x||, 1e-12)``, the L2 norm taken over ``axis``, as Keras's
    ``ops.normalize(x, axis, order=2, epsilon=1e-12)``.

    Args:
        axis: An axis or a list of axes (not the batch axis).

    Example:
    >>> UnitNormalization()(np.array([[0.0, -2.0], [1.0, 0.0]])).tolist()
    [[0.0, -1.0], [1.0, 0.0]]

    Reference: Keras ``keras.layers.UnitNormalization``.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
            raise TypeError(f"axis: expected an int or a list of ints; received {axis!r}")
        self.axis = [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)

    def compute_output_shape(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim < a < ndim or a % ndim == 0 for a in axes):
            raise ValueError(
                f"UnitNormalization layer '{self.name}': axis {self.axis!r} must name axes after the batch axis of "
                f"inputs of shape {tuple(input_shape)}, in [1, {ndim - 1}] or [{1 - ndim}, -1]"
            )
        self._axes = tuple(sorted({a % ndim for a in axes}))
        return tuple(input_shape)

    def forward(self, state, inputs, training=False):
        squares = (inputs * inputs).sum(axis=self._axes, keepdims=True)
        inverse_norm = 1.0 / xp.sqrt(xp.maximum(squares, EPSILON**2))
        outputs = state.buffer("outputs", inputs.shape, inputs.dtype)
        xp.multiply(inputs, inverse_norm, out=outputs)
        if state.records:
            state.outputs, state.inverse_norm, state.floored = outputs, inverse_norm, squares <= EPSILON**2
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        # d(x / ||x||) = (g - y * sum(g * y)) / ||x||; where the floor holds, the scale is a constant.
        projection = (grad_output * state.outputs).sum(axis=self._axes, keepdims=True)
        projection = xp.where(state.floored, 0.0, projection)
        return (grad_output - state.outputs * projection) * state.inverse_norm

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
