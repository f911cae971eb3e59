"""ActivityRegularization: the identity, adding an L1/L2 penalty on its outputs to the loss."""

from __future__ import annotations

from kerasette import regularizers
from kerasette.layers.layer import Layer
from kerasette.validation import check_number


class ActivityRegularization(Layer):
    """Passes its inputs on unchanged; while called, adds ``(l1 * sum(|x|) + l2 *
    sum(x ** 2)) / batch_size`` to the layer's losses (the base layer's activity
    penalty, divided by the batch size as Keras 3 divides it).

    Args:
        l1: L1 factor, >= 0.
        l2: L2 factor, >= 0.

    Example:
    >>> layer = ActivityRegularization(l1=0.5)
    >>> layer(np.array([[1.0, -3.0]])).tolist(), float(layer.losses[0])
    ([[1.0, -3.0]], 2.0)

    Reference: Keras ``keras.layers.ActivityRegularization``.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        if "activity_regularizer" in kwargs:
            raise TypeError("activity_regularizer: ActivityRegularization sets its own from l1 and l2; received one")
        self.l1 = check_number("l1", l1, 0)
        self.l2 = check_number("l2", l2, 0)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=self.l1, l2=self.l2), **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
