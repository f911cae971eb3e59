"""LayerNormalization: normalizes each sample over its feature axes, then scales and shifts."""

from __future__ import annotations

import numbers

from kerasette.layers import scale_offset
from kerasette.layers.layer import Layer
from kerasette.layers.standardize import scale_and_shift, standardize, standardize_gradient
from kerasette.validation import check_number


def _check_axis(axis) -> int | list[int]:
    """Keras's ``axis``: an int or a list/tuple of ints."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not axes or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"axis: expected an int or a list/tuple of ints; received {axis!r}")
    return [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)


class LayerNormalization(Layer):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta``, with the mean and variance
    of each sample taken over ``axis``.

    Args:
        axis: The axis or axes to normalize over (not the batch axis), each once (``[-1, 1]``
            on rank-2 inputs is refused at build); after ``build`` it is a list, as in Keras 3
            (``-1`` becomes ``[-1]``).
        epsilon: Added to the variance, a positive number.
        center: Whether to add the learned offset ``beta``.
        scale: Whether to multiply by the learned ``gamma``.
        beta_initializer: Initializer of ``beta``.
        gamma_initializer: Initializer of ``gamma``.
        beta_regularizer, gamma_regularizer: Penalties on ``beta`` and ``gamma`` added to
            the training loss.
        beta_constraint, gamma_constraint: Projections applied after each update.

    Example:
    >>> LayerNormalization()(np.array([[1.0, 2.0, 3.0]])).round(4).tolist()
    [[-1.2238, 0.0, 1.2238]]

    Reference: Keras ``keras.layers.LayerNormalization``; Ba et al., 2016.
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        scale_offset.set_arguments(self, locals())
        self.axis = _check_axis(axis)
        self.epsilon = check_number("epsilon", epsilon, 0, low_open=True)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim < a < ndim or a % ndim == 0 for a in axes):
            raise ValueError(
                f"LayerNormalization layer '{self.name}': axis {self.axis!r} must name feature axes of "
                f"inputs of shape {input_shape}, in [1, {ndim - 1}] or [{1 - ndim}, -1]"
            )
        canonical = [a % ndim for a in axes]
        if len(set(canonical)) != len(canonical):
            raise ValueError(
                f"LayerNormalization layer '{self.name}': axis {self.axis!r} names the same axis twice for "
                f"inputs of shape {input_shape} (duplicate axes); expected distinct axes"
            )
        # Keras 3 keeps an int axis as a one-element list once built ([-1], as given).
        self.axis = list(axes)
        self._axes = tuple(sorted(canonical))
        self._others = tuple(d for d in range(ndim) if d not in self._axes)
        self._broadcast_shape = tuple(input_shape[d] if d in self._axes else 1 for d in range(ndim))
        shape = tuple(input_shape[d] for d in self._axes)
        scale_offset.add_weights(self, shape)
        super().build(input_shape)

    def forward(self, state, inputs, training=False):
        normalized = state.buffer("normalized", inputs.shape, inputs.dtype)
        inverse_std = standardize(inputs, self._axes, self.epsilon, normalized)
        if state.records:
            state.normalized, state.inverse_std = normalized, inverse_std
        return scale_and_shift(self, state, normalized)

    def backward(self, state, grad_output):
        normalized = state.normalized
        weight_shape = tuple(normalized.shape[d] for d in self._axes)
        if self.scale:
            state.gradient(self.params["gamma"])[...] = (
                (grad_output * normalized).sum(axis=self._others).reshape(weight_shape)
            )
        if self.center:
            state.gradient(self.params["beta"])[...] = grad_output.sum(axis=self._others).reshape(weight_shape)
        if not state.need_input_grad:
            return None
        if self.scale:
            grad_output *= self.params["gamma"].data.reshape(self._broadcast_shape)
        return standardize_gradient(grad_output, normalized, state.inverse_std, self._axes)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            **scale_offset.config(self),
        }
