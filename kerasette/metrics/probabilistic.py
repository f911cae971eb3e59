"""Cross-entropy metrics: the losses of the same names, averaged over every sample seen.

The math is the losses' own (:meth:`kerasette.losses.Loss.per_sample`, with their
clipping, logits and label smoothing); only the shapes are matched here.
"""

from __future__ import annotations

from functools import partial

from kerasette import backend, losses
from kerasette.metrics.accuracy import integer_labels
from kerasette.metrics.reduction import MeanMetricWrapper, matched


def _floats(y_true, y_pred):
    y_true, y_pred = matched(y_true, y_pred)
    return y_true.astype(y_pred.dtype, copy=False), y_pred


def _elementwise_loss_values(loss, y_true, y_pred):
    return loss.per_sample(*_floats(y_true, y_pred))


def _categorical_loss_values(loss, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true: expected one-hot targets of the shape of y_pred {tuple(y_pred.shape)}; "
            f"received shape {tuple(y_true.shape)}"
        )
    return loss.per_sample(y_true.astype(y_pred.dtype, copy=False), y_pred)


def _sparse_loss_values(loss, y_true, y_pred):
    return loss.per_sample(integer_labels(y_true, y_pred).astype("int64", copy=False), y_pred)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0):
    """Binary cross-entropy averaged over the last axis, one value per sample."""
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    return _elementwise_loss_values(loss, backend.to_device(y_true), backend.to_device(y_pred))


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0):
    """Categorical cross-entropy of one-hot targets, one value per sample."""
    loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    return _categorical_loss_values(loss, backend.to_device(y_true), backend.to_device(y_pred))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False):
    """Categorical cross-entropy of integer labels, one value per sample."""
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    return _sparse_loss_values(loss, backend.to_device(y_true), backend.to_device(y_pred))


class BinaryCrossentropy(MeanMetricWrapper):
    """Binary cross-entropy between targets in [0, 1] and predictions.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        from_logits: ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Pulls targets towards 0.5 by this amount, in [0, 1).

    Example:
    >>> metric = BinaryCrossentropy()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(metric.result(), 4)
    0.8149
    """

    def __init__(self, name: str = "binary_crossentropy", dtype=None, from_logits: bool = False, label_smoothing=0.0):
        loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = loss.from_logits, loss.label_smoothing
        super().__init__(partial(_elementwise_loss_values, loss), name, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Cross-entropy between one-hot targets and predicted class probabilities.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        from_logits: ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Mixes targets with the uniform distribution by this amount, in [0, 1).

    Example:
    >>> metric = CategoricalCrossentropy()
    >>> metric.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(metric.result(), 4)
    1.1769
    """

    def __init__(
        self, name: str = "categorical_crossentropy", dtype=None, from_logits: bool = False, label_smoothing=0.0
    ):
        loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = loss.from_logits, loss.label_smoothing
        super().__init__(partial(_categorical_loss_values, loss), name, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Cross-entropy between integer labels and predicted class probabilities.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        from_logits: ``y_pred`` holds logits rather than probabilities.

    Example:
    >>> metric = SparseCategoricalCrossentropy()
    >>> metric.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(metric.result(), 4)
    1.1769
    """

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype=None, from_logits: bool = False):
        loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        self.from_logits = loss.from_logits
        super().__init__(partial(_sparse_loss_values, loss), name, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits}
