"""Softmax: turns logits into probabilities over an axis (the last by default)."""

from __future__ import annotations

from kerasette import activations
from kerasette.backend import xp
from kerasette.layers import layer_call
from kerasette.layers.activation import Activation
from kerasette.layers.layer import builtin_call
from kerasette.ops import tape

# Keras puts this in place of masked inputs, then zeroes their probabilities.
_MASKED_INPUT = -1e9


class Softmax(Activation):
    """Softmax over ``axis``; finite for any finite logits.

    The Fashion-MNIST tutorial wraps a model trained on logits as
    ``Sequential([model, Softmax()])`` to predict probabilities.

    Args:
        axis: The axis, or tuple of axes, whose values sum to 1 (as Keras).

    Call: ``mask`` (broadcastable to the inputs; filled from the inputs' Keras mask) leaves
    the masked entries out of the softmax and makes their probabilities 0, as Keras.

    Example:
    >>> Softmax()(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    >>> Softmax(axis=0)(np.array([[0.0, 1.0], [0.0, 1.0]])).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """

    def __init__(self, axis=-1, **kwargs):
        kwargs.pop("activation", None)
        axis = tuple(axis) if isinstance(axis, list) else axis
        # The default axis keeps the shared softmax, which a cross-entropy loss fuses with.
        super().__init__("softmax" if axis == -1 else activations.softmax.with_params(axis=axis), **kwargs)
        self.axis = axis

    @builtin_call
    def call(self, inputs, mask=None, training=None):
        if mask is not None:
            mask = xp.asarray(tape.unwrap(mask))
            shape = tuple(inputs.shape)
            if mask.ndim > len(shape) or any(m not in (1, i) for m, i in zip(mask.shape[::-1], shape[::-1])):
                raise ValueError(
                    f"Softmax layer '{self.name}': mask must be broadcastable to the inputs' shape {shape}; "
                    f"received a mask of shape {tuple(mask.shape)}"
                )
            mask = mask.astype(bool) if mask.dtype == bool else mask > 0.5
        return layer_call.run(self, inputs, bool(training), mask=mask)

    def forward(self, state, inputs, training=False):
        mask = state.input_mask
        if mask is None:
            return super().forward(state, inputs, training)
        outputs = super().forward(state, xp.where(mask, inputs, _MASKED_INPUT).astype(inputs.dtype), training)
        # Zero where masked (a row masked entirely would be uniform): constants, so no gradient.
        outputs *= mask
        return outputs

    def get_config(self):
        # Activation's config would name the activation, which is the axis here.
        config = super(Activation, self).get_config()
        return {**config, "axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}
