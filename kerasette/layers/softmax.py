"""Softmax: turns logits into probabilities over an axis (the last by default)."""

from __future__ import annotations

from kerasette import activations
from kerasette.layers.activation import Activation


class Softmax(Activation):
    """Softmax over ``axis``; finite for any finite logits.

    The Fashion-MNIST tutorial wraps a model trained on logits as
    ``Sequential([model, Softmax()])`` to predict probabilities.

    Args:
        axis: The axis, or tuple of axes, whose values sum to 1 (as Keras).

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

    def get_config(self):
        # Activation's config would name the activation, which is the axis here.
        config = super(Activation, self).get_config()
        return {**config, "axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}
