"""Mean squared error, as a function (``keras.losses.mean_squared_error``) and a Loss."""

from __future__ import annotations

from kerasette import backend
from kerasette.losses.loss import Loss, check_same_shape
from kerasette.validation import check_finite, host_array


def mean_squared_error(y_true, y_pred):
    """Mean of squared differences over the last axis, one value per sample (``keras.losses`` form)."""
    difference = y_pred - y_true
    return (difference * difference).mean(axis=-1)


class MeanSquaredError(Loss):
    """Mean of squared differences over the last axis.

    Example:
    >>> float(MeanSquaredError()(np.array([[0.0, 0.0]]), np.array([[1.0, 3.0]])))
    5.0
    """

    def __init__(self, name: str = "mean_squared_error", reduction: str = "sum_over_batch_size"):
        super().__init__(name, reduction)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        targets = check_same_shape(host_array(y_true, argument), output_shape, argument)
        check_finite(targets, argument)
        return backend.to_device(targets.astype(backend.floatx()))

    def per_sample(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return (y_pred - y_true) * (2.0 / y_pred.shape[-1])
