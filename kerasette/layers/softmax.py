"""Softmax: turns logits into probabilities over the last axis."""

from __future__ import annotations

from kerasette.layers.activation import Activation


class Softmax(Activation):
    """Softmax over the last axis; finite for any finite logits.

    The Fashion-MNIST tutorial wraps a model trained on logits as
    ``Sequential([model, Softmax()])`` to predict probabilities.

    Args:
        axis: Only -1 (the last axis) is supported.

    Example:
    >>> Softmax()(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, axis: int = -1, **kwargs):
        if axis != -1:
            raise ValueError(f"axis: received {axis!r}; only the last axis (-1) is supported")
        kwargs.pop("activation", None)
        super().__init__("softmax", **kwargs)
        self.axis = axis

    def get_config(self):
        config = super().get_config()
        del config["activation"]
        return {**config, "axis": self.axis}
