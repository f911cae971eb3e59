"""Regression metrics: mean absolute, squared, root mean squared, absolute percentage and
squared logarithmic error, log-cosh error, cosine similarity and the R2 score.

The per-sample functions average over the last axis (``keras.metrics.mean_absolute_error``
...); the classes average them over every sample seen. R2Score keeps sums per output
column instead, since the score of the whole is not a mean of scores of batches.
"""

from __future__ import annotations

import warnings

from kerasette import losses
from kerasette.backend import xp
from kerasette.losses.loss import check_axis
from kerasette.metrics.metric import Metric, divide_no_nan, python_value, to_array
from kerasette.metrics.reduction import Mean, MeanMetricWrapper, matched
from kerasette.validation import check_int

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


def _mean_squared_logarithmic_error(y_true, y_pred):
    return losses.mean_squared_logarithmic_error(*matched(y_true, y_pred))


def _log_cosh(y_true, y_pred):
    return losses.log_cosh(*matched(y_true, y_pred))


def _cosine_similarity(y_true, y_pred, axis=-1):
    # The loss is minus the similarity.
    return -losses.cosine_similarity(*matched(y_true, y_pred), axis=axis)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean squared difference of ``log(1 + x)`` of targets and predictions (both clipped at 1e-7).

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = MeanSquaredLogarithmicError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(metric.result(), 4)
    0.1201
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None):
        super().__init__(_mean_squared_logarithmic_error, name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Mean of ``log(cosh(y_pred - y_true))`` over every element seen.

    Args:
        name: Name in logs (Keras's default is ``'logcosh'``).
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = LogCoshError()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(metric.result(), 4)
    0.1084
    """

    def __init__(self, name: str = "logcosh", dtype=None):
        super().__init__(_log_cosh, name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine of the angle between targets and predictions along ``axis``: 1 alike, -1 opposite.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        axis: The axis along which the similarity is computed.

    Example:
    >>> metric = CosineSimilarity()
    >>> metric.update_state([[0, 1], [1, 1]], [[1, 0], [1, 1]])
    >>> round(metric.result(), 4)
    0.5
    """

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1):
        super().__init__(_cosine_similarity, name, dtype=dtype, axis=check_axis(axis))


class R2Score(Metric):
    """The coefficient of determination, ``1 - SS_res / SS_tot``, of each output column.

    Inputs are ``(batch_size, num_outputs)``. With ``num_regressors`` p > 0, the adjusted
    score ``1 - (1 - R2) * (n - 1) / (n - p - 1)``, n counting every target value seen
    (as Keras counts them); where n - p - 1 <= 0 the plain score is returned, with a warning.

    Args:
        class_aggregation: None (one score per column), ``'uniform_average'`` (their
            mean) or ``'variance_weighted_average'`` (their mean weighted by each column's
            variance of targets).
        num_regressors: How many independent variables the model used, an integer >= 0.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = R2Score()
    >>> metric.update_state([[1], [4], [3]], [[2], [4], [4]])
    >>> round(metric.result(), 4)
    0.5714
    """

    def __init__(
        self,
        class_aggregation="uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype=None,
    ):
        choices = (None, "uniform_average", "variance_weighted_average")
        if not (class_aggregation is None or (isinstance(class_aggregation, str) and class_aggregation in choices)):
            raise ValueError(
                "class_aggregation: expected None, 'uniform_average' or 'variance_weighted_average'; "
                f"received {class_aggregation!r}"
            )
        super().__init__(dtype=dtype, name=name)
        self.class_aggregation = class_aggregation
        self.num_regressors = check_int("num_regressors", num_regressors, 0)
        self.num_samples = self.add_variable((), "zeros", name="num_samples")

    def _build(self, num_outputs: int) -> None:
        # Keras's variable names; 'residual' holds the weighted sum of squared errors.
        for variable in ("squared_sum", "sum", "residual", "count"):
            self.add_variable((num_outputs,), "zeros", name=variable)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = to_array(y_true, "y_true").astype(self.dtype, copy=False)
        y_pred = to_array(y_pred, "y_pred").astype(self.dtype, copy=False)
        y_true, y_pred = matched(y_true, y_pred)
        if y_pred.ndim != 2:
            raise ValueError(
                f"y_pred: R2Score expected inputs of shape (batch_size, num_outputs); "
                f"received shape {tuple(y_pred.shape)}"
            )
        if "sum" not in self._variable_specs:
            self._build(y_pred.shape[-1])
        elif self.sum.shape[0] != y_pred.shape[-1]:
            raise ValueError(
                f"y_pred: expected {self.sum.shape[0]} outputs, as in the earlier updates; "
                f"received shape {tuple(y_pred.shape)}"
            )
        weights = xp.ones((), self.dtype)
        if sample_weight is not None:
            weights = to_array(sample_weight, "sample_weight").astype(self.dtype, copy=False)
            if weights.ndim == 1:
                weights = weights[:, None]
            try:
                weights = xp.broadcast_to(weights, y_true.shape)
            except ValueError:
                raise ValueError(
                    f"sample_weight: expected one weight per sample (or per value) of y_true of shape "
                    f"{tuple(y_true.shape)}; received shape {tuple(weights.shape)}"
                ) from None
        weights = xp.broadcast_to(weights, y_true.shape)
        weighted = y_true * weights
        self.sum = self.sum + weighted.sum(axis=0)
        self.squared_sum = self.squared_sum + (y_true * weighted).sum(axis=0)
        self.residual = self.residual + ((y_true - y_pred) ** 2 * weights).sum(axis=0)
        self.count = self.count + weights.sum(axis=0)
        self.num_samples = self.num_samples + y_true.size

    def result(self):
        if "sum" not in self._variable_specs:
            return 0.0
        total = self.squared_sum - self.sum * divide_no_nan(self.sum, self.count)
        # A column of constant targets has no variance: its score is 0, as Keras makes it
        # (Keras gives NaN when such a column is also predicted exactly).
        raw_scores = xp.where(total == 0, 0.0, 1 - divide_no_nan(self.residual, total))
        if self.class_aggregation == "uniform_average":
            score = raw_scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = divide_no_nan((total * raw_scores).sum(), total.sum())
        else:
            score = raw_scores
        if self.num_regressors:
            samples = float(self.num_samples)
            if self.num_regressors >= samples - 1:
                warnings.warn(
                    f"num_regressors: {self.num_regressors} leaves no degrees of freedom for {samples:g} "
                    "values; the adjusted R2 score falls back to the plain R2 score",
                    stacklevel=2,
                )
            else:
                score = 1 - (1 - score) * (samples - 1) / (samples - self.num_regressors - 1)
        return python_value(score)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
