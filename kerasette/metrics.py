"""Metrics: accuracy in its categorical, sparse and binary forms, MSE, MAE, and Mean.

A metric accumulates over an epoch (``update_state``) and reports the running value
(``result``). Sums stay on the device between batches, so reading a metric is the only
point where the GPU has to catch up.
"""

from __future__ import annotations

from types import FunctionType

from kerasette import backend
from kerasette.backend import xp
from kerasette.losses import mean_squared_error
from kerasette.registry import builtin_names, deserialize, register_builtins
from kerasette.validation import unknown_name_error


def categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction sits at the largest target, per sample."""
    return (xp.argmax(y_pred, axis=-1) == xp.argmax(y_true, axis=-1)).astype(y_pred.dtype)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction sits at the integer label, per sample."""
    labels = y_true.reshape(y_pred.shape[:-1])
    return (xp.argmax(y_pred, axis=-1) == labels).astype(y_pred.dtype)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """Fraction of outputs on the same side of ``threshold`` as the targets, per sample."""
    return ((y_pred > threshold) == (y_true > threshold)).astype(y_pred.dtype).mean(axis=-1)


def mean_absolute_error(y_true, y_pred):
    return xp.abs(y_pred - y_true).mean(axis=-1)


class Mean:
    """The running (optionally weighted) mean of the values it is given.

    >>> mean = Mean('loss')
    >>> mean.update_state(2.0, weight=1); mean.update_state(5.0, weight=2)
    >>> mean.result()
    4.0
    """

    def __init__(self, name: str = "mean"):
        self.name = name
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, value, weight: float = 1.0) -> None:
        self.total = self.total + value * weight
        self.count += weight

    def result(self) -> float:
        return float(self.total) / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """A metric that averages a per-sample function over every sample seen.

    Args:
        fn: ``fn(y_true, y_pred)`` returning one value per sample.
        name: Name in logs.


    Example:
    >>> metric = MeanMetricWrapper(mean_absolute_error, 'mae')
    >>> metric.update_state(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]]))
    >>> metric.result()
    0.5
    """

    def __init__(self, fn, name: str):
        self.fn = fn
        super().__init__(name)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = backend.to_device(y_pred)
        y_true = backend.to_device(y_true)
        values = self.fn(y_true, y_pred)
        if sample_weight is None:
            self.total = self.total + values.sum()
            self.count += values.size
        else:
            weights = backend.to_device(sample_weight, y_pred.dtype).reshape(values.shape)
            self.total = self.total + (values * weights).sum()
            self.count += float(weights.sum())

    def get_config(self) -> dict:
        return {"name": self.name}


class CategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose largest prediction sits at the one-hot target's 1.

    Example:
    >>> metric = CategoricalAccuracy()
    >>> metric.update_state(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
    >>> metric.result()
    0.5
    """

    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_accuracy, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose largest prediction sits at the integer label.

    Example:
    >>> metric = SparseCategoricalAccuracy()
    >>> metric.update_state(np.array([1, 1]), np.array([[0.2, 0.8], [0.3, 0.7]]))
    >>> metric.result()
    1.0
    """

    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name)


class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of outputs on the same side of 0.5 as their targets.

    Example:
    >>> metric = BinaryAccuracy()
    >>> metric.update_state(np.array([[1.0], [0.0]]), np.array([[0.9], [0.6]]))
    >>> metric.result()
    0.5
    """

    def __init__(self, name: str = "binary_accuracy"):
        super().__init__(binary_accuracy, name)


_FUNCTIONS = {
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "binary_accuracy": binary_accuracy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
}
register_builtins("metric", _FUNCTIONS)
_ACCURACY_BY_KIND = {
    "categorical": categorical_accuracy,
    "sparse": sparse_categorical_accuracy,
    "binary": binary_accuracy,
}


def get(identifier, loss=None, output_shape: tuple | None = None) -> MeanMetricWrapper:
    """A metric from a name or object; ``'accuracy'`` follows the loss, as in Keras.

    With a categorical, sparse or binary cross-entropy loss, ``'accuracy'`` means that
    kind of accuracy; with another loss, a single output means binary accuracy and
    several outputs categorical accuracy.
    """
    if isinstance(identifier, MeanMetricWrapper):
        return identifier
    if identifier in ("accuracy", "acc"):
        kind = getattr(loss, "accuracy_kind", None)
        if kind is None:
            kind = "binary" if output_shape is not None and output_shape[-1] == 1 else "categorical"
        return MeanMetricWrapper(_ACCURACY_BY_KIND[kind], identifier)
    special_names = ("accuracy", "acc")
    if not isinstance(identifier, str):  # a metric is named in the logs, so it is given by name
        raise unknown_name_error("metrics", identifier, [*special_names, *builtin_names("metric")])
    function = deserialize("metric", "metrics", identifier, FunctionType, special_names=special_names)
    return MeanMetricWrapper(function, identifier)
