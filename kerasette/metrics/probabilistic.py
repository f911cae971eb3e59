"""Cross-entropy metrics: the losses of the same names, averaged over every sample seen.

The math is the losses' own (:meth:`kerasette.losses.Loss.per_sample`, with their
clipping, logits and label smoothing); only the shapes are matched here.
"""

from __future__ import annotations

from functools import partial

from kerasette import backend, losses
from kerasette.backend import xp
from kerasette.metrics.accuracy import integer_labels
from kerasette.metrics.metric import to_array
from kerasette.metrics.reduction import Mean, MeanMetricWrapper, matched


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
    return loss.values(y_true.astype(y_pred.dtype, copy=False), y_pred)


def _sparse_labels_and_predictions(loss, y_true, y_pred):
    """Integer labels and the predictions with the loss's class axis moved last."""
    y_pred = xp.moveaxis(y_pred, loss._loss_axis(y_pred.ndim), -1)
    return integer_labels(y_true, y_pred).astype("int64", copy=False), y_pred


def _sparse_loss_values(loss, y_true, y_pred):
    return loss.per_sample(*_sparse_labels_and_predictions(loss, y_true, y_pred))


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    """Binary cross-entropy averaged over ``axis``, one value per sample."""
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
    return loss.values(*_floats(backend.to_device(y_true), backend.to_device(y_pred)))


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    """Categorical cross-entropy of one-hot targets along ``axis``, one value per sample."""
    loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
    return _categorical_loss_values(loss, backend.to_device(y_true), backend.to_device(y_pred))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, ignore_class=None, axis: int = -1):
    """Categorical cross-entropy of integer labels, one value per sample (0 for ``ignore_class``)."""
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=ignore_class, axis=axis)
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
        axis: The class axis.

    Example:
    >>> metric = CategoricalCrossentropy()
    >>> metric.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(metric.result(), 4)
    1.1769
    """

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing=0.0,
        axis: int = -1,
    ):
        loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = loss.from_logits, loss.label_smoothing, loss.axis
        super().__init__(partial(_categorical_loss_values, loss), name, dtype=dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Cross-entropy between integer labels and predicted class probabilities.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        from_logits: ``y_pred`` holds logits rather than probabilities.
        ignore_class: A label whose samples (or timesteps) count as a loss of 0. Without
            ``sample_weight`` they stay in the mean's count, as in Keras 3 (its mask only
            reaches a weighted mean); with ``sample_weight`` their weight becomes 0, so they
            are left out of it.
        axis: The class axis of ``y_pred``.

    Example:
    >>> metric = SparseCategoricalCrossentropy()
    >>> metric.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(metric.result(), 4)
    1.1769
    >>> ignoring = SparseCategoricalCrossentropy(ignore_class=0)
    >>> ignoring.update_state([0, 1, 2], [[0.8, 0.1, 0.1], [0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(ignoring.result(), 4)
    0.7846
    """

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        ignore_class=None,
        axis: int = -1,
    ):
        self._loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, self._loss.ignore_class, self._loss.axis
        super().__init__(partial(_sparse_loss_values, self._loss), name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        # Unweighted, Keras 3 averages over every label, the ignored ones as zeros.
        if self.ignore_class is None or sample_weight is None:
            super().update_state(y_true, y_pred, sample_weight)
            return
        labels, y_pred = _sparse_labels_and_predictions(
            self._loss, to_array(y_true, "y_true"), to_array(y_pred, "y_pred", self.dtype)
        )
        values = self._loss.per_sample(labels, y_pred)
        # Ignored labels weigh nothing: Keras's mask, merged into the sample weights.
        weights = self._loss.sample_mask(labels).astype(self.dtype)
        sample_weight = to_array(sample_weight, "sample_weight", self.dtype).astype(self.dtype, copy=False)
        if sample_weight.ndim == weights.ndim + 1 and sample_weight.shape[-1] == 1:
            sample_weight = sample_weight[..., 0]
        sample_weight = sample_weight.reshape(sample_weight.shape + (1,) * (weights.ndim - sample_weight.ndim))
        try:
            weights = weights * xp.broadcast_to(sample_weight, weights.shape)
        except ValueError:
            raise ValueError(
                f"sample_weight: expected a scalar, one weight per sample or one per label of shape "
                f"{tuple(weights.shape)}; received shape {tuple(sample_weight.shape)}"
            ) from None
        Mean.update_state(self, values, weights)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }
