"""GroupNormalization: normalizes each sample over groups of channels, then scales and shifts."""

from __future__ import annotations

import numbers

from kerasette import constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.layers.standardize import scale_and_shift, standardize, standardize_gradient
from kerasette.validation import check_bool, check_number


class GroupNormalization(Layer):
    """Splits the channels into ``groups`` and normalizes each sample's group over its
    channels and every other axis: ``(x - mean) / sqrt(variance + epsilon) * gamma +
    beta``, with ``gamma`` and ``beta`` per channel. ``groups=1`` is layer normalization
    over all of a sample; one group per channel is instance normalization.

    Args:
        groups: Number of groups, dividing the number of channels.
        axis: The channels axis (not the batch axis).
        epsilon: Added to the variance, > 0.
        center: Whether to add the learned offset ``beta``.
        scale: Whether to multiply by the learned ``gamma``.
        beta_initializer, gamma_initializer: Their initializers.
        beta_regularizer, gamma_regularizer: Penalties on them added to the loss.
        beta_constraint, gamma_constraint: Projections of them after each update.

    Example:
    >>> GroupNormalization(groups=2)(np.array([[1.0, 3.0, 5.0, 5.0]])).round(3).tolist()
    [[-1.0, 1.0, 0.0, 0.0]]

    Reference: Keras ``keras.layers.GroupNormalization``; Wu and He, 2018.
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
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
        self.groups = check_number("groups", groups, 1, integer=True)
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise TypeError(f"axis: expected an int (the channels axis); received {axis!r}")
        self.axis = int(axis)
        self.epsilon = check_number("epsilon", epsilon, 0, low_open=True)
        self.center = check_bool("center", center)
        self.scale = check_bool("scale", scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim < self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"GroupNormalization layer '{self.name}': axis {self.axis} must name the channels axis of inputs of "
                f"shape {tuple(input_shape)}, in [1, {ndim - 1}] or [{1 - ndim}, -1]"
            )
        self._channel_axis = self.axis % ndim
        channels = input_shape[self._channel_axis]
        if channels is None or channels < self.groups or channels % self.groups:
            raise ValueError(
                f"GroupNormalization layer '{self.name}': groups={self.groups} must divide the {channels} channels "
                f"of inputs of shape {tuple(input_shape)} (axis {self.axis})"
            )
        self._others = tuple(d for d in range(ndim) if d != self._channel_axis)
        self._broadcast_shape = tuple(channels if d == self._channel_axis else 1 for d in range(ndim))
        if self.scale:
            self.add_weight(
                name="gamma",
                shape=(channels,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.add_weight(
                name="beta",
                shape=(channels,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        super().build(input_shape)

    def _split_shape(self, shape: tuple) -> tuple:
        """``shape`` with the channels axis split into ``(groups, channels per group)``."""
        axis = self._channel_axis
        return (*shape[:axis], self.groups, shape[axis] // self.groups, *shape[axis + 1 :])

    def _to_groups(self, array, out):
        """Copies ``array`` into ``out``, ``(batch, groups, values per group)``: the moments are
        then reductions over its last, contiguous axis, several times faster than over the
        scattered axes of the array as it is."""
        split = self._split_shape(array.shape)
        moved = (split[0], self.groups, *split[1 : self._channel_axis], *split[self._channel_axis + 1 :])
        out.reshape(moved)[...] = xp.moveaxis(array.reshape(split), self._channel_axis, 1)
        return out

    def _from_groups(self, grouped, shape: tuple, out):
        """Copies ``(batch, groups, values per group)`` back into ``out``, laid out as ``shape``."""
        split = self._split_shape(shape)
        moved = (split[0], self.groups, *split[1 : self._channel_axis], *split[self._channel_axis + 1 :])
        out.reshape(split)[...] = xp.moveaxis(grouped.reshape(moved), 1, self._channel_axis)
        return out

    def forward(self, state, inputs, training=False):
        groups_shape = (inputs.shape[0], self.groups, inputs.size // (inputs.shape[0] * self.groups))
        grouped = self._to_groups(inputs, state.buffer("grouped", groups_shape, inputs.dtype))
        inverse_std = standardize(grouped, (2,), self.epsilon, grouped)
        normalized = self._from_groups(grouped, inputs.shape, state.buffer("normalized", inputs.shape, inputs.dtype))
        if state.records:
            state.grouped_normalized, state.normalized, state.inverse_std = grouped, normalized, inverse_std
        return scale_and_shift(self, state, normalized)

    def backward(self, state, grad_output):
        normalized = state.normalized
        if self.scale:
            state.gradient(self.params["gamma"])[...] = (grad_output * normalized).sum(axis=self._others)
        if self.center:
            state.gradient(self.params["beta"])[...] = grad_output.sum(axis=self._others)
        if not state.need_input_grad:
            return None
        if self.scale:
            grad_output = grad_output * self.params["gamma"].data.reshape(self._broadcast_shape)
        grouped_normalized = state.grouped_normalized
        grad = self._to_groups(grad_output, state.buffer("grad_grouped", grouped_normalized.shape, grad_output.dtype))
        standardize_gradient(grad, grouped_normalized, state.inverse_std, (2,))
        return self._from_groups(grad, grad_output.shape, state.buffer("grad_inputs", grad_output.shape, grad.dtype))

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
