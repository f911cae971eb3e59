"""Correlation metrics: Pearson's and Lin's concordance correlation, per sample, averaged.

As Keras computes them, each sample's correlation is taken along ``axis`` (across its
outputs, not across the batch) and the metric is the mean over every sample seen.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.losses.loss import as_device_arrays, check_axis
from kerasette.metrics.reduction import MeanMetricWrapper, matched

EPSILON = 1e-7  # Keras's backend.epsilon(), added to the concordance's denominator


def pearson_correlation(y_true, y_pred, axis: int = -1):
    """Pearson's correlation of targets and predictions along ``axis``, one value per sample.

    >>> [round(value, 4) for value in pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]]).tolist()]
    [0.9934]
    """
    y_true, y_pred = matched(*as_device_arrays(y_true, y_pred))
    axis = check_axis(axis)
    true_centred = y_true - y_true.mean(axis=axis, keepdims=True)
    pred_centred = y_pred - y_pred.mean(axis=axis, keepdims=True)
    true_centred = true_centred / true_centred.std(axis=axis, keepdims=True)
    pred_centred = pred_centred / pred_centred.std(axis=axis, keepdims=True)
    return (true_centred * pred_centred).mean(axis=axis)


def concordance_correlation(y_true, y_pred, axis: int = -1):
    """Lin's concordance correlation along ``axis``, one value per sample, as Keras computes it.

    ``mean(2 * (y_true - mean(y_pred)) * (y_pred - mean(y_pred)) / (var(y_true) + var(y_pred)
    + (mean(y_true) - mean(y_pred))**2 + 1e-7))``.

    >>> [round(value, 4) for value in concordance_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]]).tolist()]
    [0.3226]
    """
    y_true, y_pred = matched(*as_device_arrays(y_true, y_pred))
    axis = check_axis(axis)
    true_mean = y_true.mean(axis=axis, keepdims=True)
    pred_mean = y_pred.mean(axis=axis, keepdims=True)
    norm = (
        xp.var(y_true - true_mean, axis=axis, keepdims=True)
        + xp.var(y_pred - pred_mean, axis=axis, keepdims=True)
        + (true_mean - pred_mean) ** 2
    )
    return (2 * (y_true - pred_mean) * (y_pred - pred_mean) / (norm + EPSILON)).mean(axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Mean over samples of Pearson's correlation between targets and predictions along ``axis``.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        axis: The axis along which each correlation is computed.

    Example:
    >>> metric = PearsonCorrelation()
    >>> metric.update_state([[1, 2, 3], [1, 0, 1]], [[2, 4, 7], [0, 1, 0]])
    >>> round(metric.result(), 4)
    -0.0033
    """

    def __init__(self, name: str = "pearson_correlation", dtype=None, axis: int = -1):
        super().__init__(pearson_correlation, name, dtype=dtype, axis=check_axis(axis))


class ConcordanceCorrelation(MeanMetricWrapper):
    """Mean over samples of Lin's concordance correlation along ``axis``.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        axis: The axis along which each correlation is computed.

    Example:
    >>> metric = ConcordanceCorrelation()
    >>> metric.update_state([[1, 2, 3], [1, 0, 1]], [[2, 4, 7], [0, 1, 0]])
    >>> round(metric.result(), 4)
    -0.2387
    """

    def __init__(self, name: str = "concordance_correlation", dtype=None, axis: int = -1):
        super().__init__(concordance_correlation, name, dtype=dtype, axis=check_axis(axis))
