"""Regression metrics: mean absolute, squared, root mean squared and absolute percentage error.

The per-sample functions average over the last axis (``keras.metrics.mean_absolute_error``
...); the classes average them over every sample seen.
"""

from __future__ import annotations

from kerasette import losses
from kerasette.backend import xp
from kerasette.metrics.metric import to_array
from kerasette.metrics.reduction import Mean, MeanMetricWrapper, matched

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest target MAPE divides by


def mean_absolute_error(y_true, y_pred):
    """Mean of absolute differences over the last axis, one value per sample."""
    y_true, y_pred = matched(y_true, y_pred)
    return xp.abs(y_pred - y_true).mean(axis=-1)


def mean_squared_error(y_true, y_pred):
    """Mean of squared differences over the last axis, one value per sample."""
    y_true, y_pred = matched(y_true, y_pred)
    return losses.mean_squared_error(y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis, per sample."""
    y_true, y_pred = matched(y_true, y_pred)
    return 100.0 * (xp.abs(y_true - y_pred) / xp.maximum(xp.abs(y_true), EPSILON)).mean(axis=-1)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean absolute difference between targets and predictions.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = MeanAbsoluteError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> metric.result()
    0.25
    """

    def __init__(self, name: str = "mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean squared difference between targets and predictions.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = MeanSquaredError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> metric.result()
    0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean absolute difference in percent of the target (targets near 0 count as 1e-7).

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = MeanAbsolutePercentageError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> metric.result()
    250000000.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """Square root of the mean squared difference over every element seen.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = RootMeanSquaredError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> metric.result()
    0.5
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = to_array(y_true, "y_true").astype(self.dtype, copy=False)
        y_pred = to_array(y_pred, "y_pred").astype(self.dtype, copy=False)
        y_true, y_pred = matched(y_true, y_pred)
        super().update_state((y_pred - y_true) ** 2, sample_weight)

    def result(self) -> float:
        return super().result() ** 0.5
