"""Mean squared error, as a function (``keras.losses.mean_squared_error``) and a Loss."""

from __future__ import annotations

from kerasette.losses.loss import Loss, as_device_arrays


def mean_squared_error(y_true, y_pred):
    """Mean of squared differences over the last axis, one value per sample (``keras.losses`` form).

    >>> mean_squared_error(np.array([[0.0, 0.0]]), np.array([[1.0, 3.0]])).tolist()
    [5.0]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    difference = y_pred - y_true
    return (difference * difference).mean(axis=-1)


class MeanSquaredError(Loss):
    """Mean of squared differences over the last axis.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> float(MeanSquaredError()(np.array([[0.0, 0.0]]), np.array([[1.0, 3.0]])))
    5.0
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "mean_squared_error"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return (y_pred - y_true) * (2.0 / y_pred.shape[-1])
