"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k, as in Keras 3.

Each is a per-sample function (``keras.metrics.binary_accuracy`` ...) and a class that
averages it (:class:`MeanMetricWrapper`). Shapes that do not match are refused rather
than broadcast.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.metrics.reduction import MeanMetricWrapper, matched
from kerasette.validation import check_bool, check_int, check_number


def integer_labels(y_true, y_pred):
    """Integer class labels of shape ``y_pred.shape[:-1]`` (a trailing axis of 1 dropped)."""
    expected = tuple(y_pred.shape[:-1])
    if y_true.shape != expected and tuple(y_true.shape) == expected + (1,):
        y_true = y_true.reshape(expected)
    if y_true.shape != expected:
        raise ValueError(
            f"y_true: expected integer class labels of shape {expected} for y_pred of shape "
            f"{tuple(y_pred.shape)}; received shape {tuple(y_true.shape)}"
        )
    return y_true


def accuracy(y_true, y_pred):
    """1.0 where the prediction equals the target exactly, per element."""
    y_true, y_pred = matched(y_true, y_pred)
    return (y_true == y_pred).astype(backend.floatx())


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where ``y_pred > threshold`` equals the target (0 or 1), per element."""
    y_true, y_pred = matched(y_true, y_pred)
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(backend.floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction sits at the largest target, per sample."""
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true: expected one-hot targets of the shape of y_pred {tuple(y_pred.shape)}; "
            f"received shape {tuple(y_true.shape)}"
        )
    return (xp.argmax(y_pred, axis=-1) == xp.argmax(y_true, axis=-1)).astype(backend.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction sits at the integer label, per sample."""
    return (xp.argmax(y_pred, axis=-1) == integer_labels(y_true, y_pred)).astype(backend.floatx())


def _in_top_k(labels, y_pred, k: int):
    """Whether each label's prediction is among the ``k`` largest (ties count, as in Keras)."""
    if k >= y_pred.shape[-1]:
        return xp.ones(labels.shape, dtype=backend.floatx())
    kth_largest = xp.sort(y_pred, axis=-1)[..., -k]
    picked = xp.take_along_axis(y_pred, labels.astype("int64")[..., None], axis=-1)[..., 0]
    return (picked >= kth_largest).astype(backend.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the one-hot target's class is among the ``k`` largest predictions, per sample."""
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true: expected one-hot targets of the shape of y_pred {tuple(y_pred.shape)}; "
            f"received shape {tuple(y_true.shape)}"
        )
    return _in_top_k(xp.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5, from_sorted_ids: bool = False):
    """1.0 where the integer label is among the ``k`` largest predictions, per sample.

    With ``from_sorted_ids``, ``y_pred`` holds class ids sorted by score instead of scores.
    """
    labels = integer_labels(y_true, y_pred)
    if from_sorted_ids:
        return (labels[..., None] == y_pred[..., :k]).any(axis=-1).astype(backend.floatx())
    return _in_top_k(labels, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets exactly.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = Accuracy()
    >>> metric.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> metric.result()
    0.75
    """

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(accuracy, name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often predictions above ``threshold`` match targets of 0 and 1.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        threshold: Predictions above it count as 1; any finite number (0 suits logits).

    Example:
    >>> metric = BinaryAccuracy()
    >>> metric.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> metric.result()
    0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        self.threshold = check_number("threshold", threshold)
        super().__init__(binary_accuracy, name, dtype=dtype, threshold=self.threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction sits at the one-hot target's largest value.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = CategoricalAccuracy()
    >>> metric.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> metric.result()
    0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction sits at the integer label.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = SparseCategoricalAccuracy()
    >>> metric.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> metric.result()
    0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the ``k`` largest predictions.

    Args:
        k: How many of the largest predictions count; an integer >= 1.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = TopKCategoricalAccuracy(k=1)
    >>> metric.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> metric.result()
    0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        self.k = check_int("k", k, 1)
        super().__init__(top_k_categorical_accuracy, name, dtype=dtype, k=self.k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` largest predictions.

    Args:
        k: How many of the largest predictions count; an integer >= 1.
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        from_sorted_ids: ``y_pred`` holds class ids sorted by score, not scores.

    Example:
    >>> metric = SparseTopKCategoricalAccuracy(k=1)
    >>> metric.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> metric.result()
    0.5
    """

    def __init__(
        self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids: bool = False
    ):
        self.k = check_int("k", k, 1)
        self.from_sorted_ids = check_bool("from_sorted_ids", from_sorted_ids)
        super().__init__(
            sparse_top_k_categorical_accuracy, name, dtype=dtype, k=self.k, from_sorted_ids=self.from_sorted_ids
        )
