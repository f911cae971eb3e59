"""MonitorCallback: the shared rules of callbacks that watch one logged quantity."""

from __future__ import annotations

import struct
import warnings

from kerasette import losses, metrics
from kerasette.callbacks.callback import Callback
from kerasette.validation import check_choice, check_number


def float32(value: float) -> float:
    # Keras compares monitored values as float32 tensors; rounding the same way makes
    # ties such as 0.07 - 0.01 versus 0.06 come out as they do in Keras.
    return struct.unpack("f", struct.pack("f", value))[0]


_RISING = (
    metrics.Accuracy,
    metrics.BinaryAccuracy,
    metrics.CategoricalAccuracy,
    metrics.SparseCategoricalAccuracy,
    metrics.TopKCategoricalAccuracy,
    metrics.SparseTopKCategoricalAccuracy,
    metrics.AUC,
    metrics.Precision,
    metrics.Recall,
    # Keras's _direction 'up': the scores, and the similarities that are MeanMetricWrappers.
    metrics.FBetaScore,
    metrics.R2Score,
    metrics.IoU,
    metrics.SensitivityAtSpecificity,
    metrics.SpecificityAtSensitivity,
    metrics.PrecisionAtRecall,
    metrics.RecallAtPrecision,
    metrics.CosineSimilarity,
    metrics.PearsonCorrelation,
    metrics.ConcordanceCorrelation,
)


def metric_direction(metric) -> str | None:
    """``'up'`` or ``'down'`` when better values of ``metric`` rise or fall, as Keras 3's ``_direction``.

    ``None`` for a custom metric, whose direction nothing tells. Keras leaves accuracy
    functions passed as objects (``metrics=[metrics.binary_accuracy]``) without one;
    their name tells, so they rise here.

    >>> metric_direction(metrics.get('mae')), metric_direction(metrics.get(metrics.binary_accuracy))
    ('down', 'up')
    """
    if isinstance(metric, _RISING):
        return "up"
    function = getattr(metric, "fn", None)
    if type(metric) is metrics.MeanMetricWrapper and function is not None:
        name = getattr(function, "__name__", "")
        if "accuracy" in name:
            return "up"
        # keras.metrics.mean_squared_error and its kin are the loss functions themselves.
        return "down" if callable(vars(losses).get(name)) else None
    if isinstance(metric, metrics.MeanMetricWrapper | metrics.RootMeanSquaredError):
        return "down"  # the errors and cross-entropies, all losses
    return None


class MonitorCallback(Callback):
    """Watches one logged quantity and decides what counts as an improvement.

    ``mode='auto'`` maximises names containing ``acc`` or ``auc`` (``accuracy``,
    ``val_sparse_categorical_accuracy``, ...) and minimises everything else.
    """

    def __init__(self, monitor: str, mode: str, min_delta: float):
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"monitor: expected the name of a logged quantity such as 'val_loss'; received {monitor!r}")
        self.monitor = monitor
        self.mode = check_choice("mode", mode, ("auto", "min", "max"))
        self.min_delta = abs(check_number("min_delta", min_delta))
        name = monitor.removeprefix("val_")
        self.maximize = mode == "max" or (mode == "auto" and ("acc" in name or "auc" in name))

    def _is_improvement(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.maximize:
            return float32(current - self.min_delta) > float32(reference)
        return float32(current + self.min_delta) < float32(reference)

    def _monitored_value(self, logs, action: str):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"{action} conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs)}",
                stacklevel=3,
            )
        return value
