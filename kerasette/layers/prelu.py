"""PReLU: the leaky rectifier whose negative slopes are weights."""

from __future__ import annotations

import numbers

from kerasette import constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers.layer import Layer


class PReLU(Layer):
    """``max(x, 0) + alpha * min(x, 0)``, with ``alpha`` learned per input position and
    channel, or shared along ``shared_axes``.

    Args:
        alpha_initializer: Initializer of ``alpha`` (zeros, as Keras).
        alpha_regularizer: Penalty on ``alpha`` added to the loss.
        alpha_constraint: Projection of ``alpha`` after each update.
        shared_axes: Axes (1 is the first after the batch) along which one ``alpha`` is
            shared, e.g. ``[1, 2]`` for one slope per channel of images.

    Example:
    >>> layer = PReLU(alpha_initializer='ones')
    >>> layer(np.array([[-2.0, 3.0]])).tolist()
    [[-2.0, 3.0]]
    >>> layer.alpha.shape
    (2,)

    Reference: Keras ``keras.layers.PReLU``; He et al., 2015.
    """

    def __init__(
        self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        axes = [shared_axes] if isinstance(shared_axes, numbers.Integral) else shared_axes
        if axes is not None and (
            not isinstance(axes, (list, tuple))
            or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) and a >= 1 for a in axes)
        ):
            raise TypeError(f"shared_axes: expected None, an int >= 1 or a list of them; received {shared_axes!r}")
        self.shared_axes = None if axes is None else [int(a) for a in axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis >= len(input_shape):
                raise ValueError(
                    f"PReLU layer '{self.name}': shared_axes={self.shared_axes} names axis {axis}, which inputs of "
                    f"shape {tuple(input_shape)} lack; expected axes in [1, {len(input_shape) - 1}]"
                )
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(
                f"PReLU layer '{self.name}': inputs of shape {tuple(input_shape)} have an axis of unknown size; "
                "expected it among shared_axes"
            )
        self.add_weight(
            name="alpha",
            shape=tuple(shape),
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        self._shared = (0, *(self.shared_axes or ()))
        super().build(input_shape)

    def forward(self, state, inputs, training=False):
        negative = xp.minimum(inputs, 0)
        outputs = state.buffer("outputs", inputs.shape, inputs.dtype)
        xp.maximum(inputs, 0, out=outputs)
        outputs += self.params["alpha"].data * negative
        if state.records:
            state.negative = negative
        return outputs

    def backward(self, state, grad_output):
        alpha = self.params["alpha"]
        grad_alpha = (grad_output * state.negative).sum(axis=self._shared, keepdims=True)
        state.gradient(alpha)[...] = grad_alpha.reshape(alpha.shape)
        if not state.need_input_grad:
            return None
        # The slope: alpha where the input is negative, 1 elsewhere.
        return grad_output * xp.where(state.negative < 0, alpha.data, 1.0)

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
