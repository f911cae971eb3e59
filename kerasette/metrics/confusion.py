"""Confusion-matrix metrics: the four counts, Precision and Recall, and the counting they share with AUC.

Each threshold ``t`` counts a prediction ``p`` as positive when ``p > t`` and a target as
positive when it is non-zero, as Keras's ``update_confusion_matrix_variables`` does,
weighted by ``sample_weight``. Evenly spaced thresholds (AUC's) are counted by bucketing
each prediction once, Keras's own shortcut, instead of comparing it with every threshold.
"""

from __future__ import annotations

import numbers

from kerasette.backend import xp
from kerasette.metrics.metric import Metric, divide_no_nan, python_value, to_array
from kerasette.metrics.reduction import squeeze_or_expand_to_same_rank
from kerasette.validation import check_int

NEG_INF = -1e10  # Keras's threshold for top_k: every prediction left in the top k is positive


def check_thresholds(thresholds) -> list[float]:
    """``thresholds`` (a number or a list of them) as a list of floats in [0, 1]."""
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    valid = bool(values) and all(
        isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value <= 1 for value in values
    )
    if not valid:
        raise ValueError(
            f"thresholds: expected a number or a non-empty list of numbers in [0, 1]; received {thresholds!r}"
        )
    return [float(value) for value in values]


def evenly_spaced(thresholds: list[float]) -> bool:
    """Keras's ``is_evenly_distributed_thresholds``: ``i / (n - 1)`` for n >= 3 thresholds."""
    count = len(thresholds)
    return count >= 3 and all(abs(value - i / (count - 1)) <= 1e-7 for i, value in enumerate(thresholds))


def _top_k_only(y_pred, k: int):
    """Predictions outside each row's ``k`` largest set to ``NEG_INF``."""
    if k >= y_pred.shape[-1]:
        return y_pred
    # stable: among ties the first columns win, as tf.math.top_k and jax.lax.top_k order
    # them (Keras on torch follows torch.topk, whose order among ties is unspecified)
    order = xp.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    in_top_k = xp.zeros(y_pred.shape, dtype=bool)
    xp.put_along_axis(in_top_k, order, True, axis=-1)
    return xp.where(in_top_k, y_pred, NEG_INF)


def confusion_counts(
    y_true, y_pred, sample_weight, thresholds, dtype: str, *, evenly: bool = False, top_k=None, class_id=None
):
    """``(tp, fp, tn, fn)`` of one batch, one value per threshold.

    Args:
        thresholds: Sorted floats; ``evenly`` when they are ``i / (n - 1)`` (possibly
            with the ends moved out by an epsilon, as AUC's are).
        top_k: Count only each sample's ``top_k`` largest predictions as positive.
        class_id: Count only this column of ``y_pred`` (a class index).
    """
    y_pred = to_array(y_pred, "y_pred").astype(dtype, copy=False)
    y_true = to_array(y_true, "y_true").astype(dtype, copy=False)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true: expected the shape of y_pred {tuple(y_pred.shape)}; received shape {tuple(y_true.shape)}"
        )
    if sample_weight is not None:
        sample_weight = to_array(sample_weight, "sample_weight").astype(dtype, copy=False)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _top_k_only(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2 or class_id >= y_pred.shape[-1]:
            raise ValueError(
                f"class_id: expected a class index below the {y_pred.shape[-1] if y_pred.ndim else 1} "
                f"columns of y_pred of shape {tuple(y_pred.shape)}; received {class_id}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = 1 if sample_weight is None else _broadcast_weights(sample_weight, y_pred.shape)
    positives = ((y_true != 0) * weights).reshape(-1).astype(dtype, copy=False)
    negatives = ((y_true == 0) * weights).reshape(-1).astype(dtype, copy=False)
    if evenly:
        tp, fp = _bucketed_counts(xp.clip(y_pred, 0.0, 1.0).reshape(-1), positives, negatives, thresholds)
    else:
        above = (y_pred.reshape(1, -1) > xp.asarray(thresholds, dtype=dtype)[:, None]).astype(dtype)
        tp, fp = above @ positives, above @ negatives
    return tp, fp, negatives.sum() - fp, positives.sum() - tp


def _broadcast_weights(sample_weight, shape):
    try:
        return xp.broadcast_to(sample_weight, shape)
    except ValueError:
        raise ValueError(
            f"sample_weight: shape {tuple(sample_weight.shape)} does not match y_pred's shape {tuple(shape)}; "
            "expected one weight per sample"
        ) from None


def _bucketed_counts(predictions, positives, negatives, thresholds):
    """Counts above evenly spaced thresholds: each prediction lands in one bucket, then a reverse cumsum."""
    count = len(thresholds)
    buckets = xp.ceil(predictions * (count - 1)) - 1
    if thresholds[0] < 0 or thresholds[-1] > 1:
        # The ends moved out by an epsilon (AUC): a prediction of 0 is above the first threshold.
        buckets = xp.maximum(buckets, 0)
    else:
        # A prediction of 0 is above no threshold, so it lands in no bucket.
        kept = buckets >= 0
        positives, negatives, buckets = positives * kept, negatives * kept, xp.maximum(buckets, 0)
    buckets = buckets.astype("int64")
    above = []
    for weights in (positives, negatives):
        per_bucket = xp.bincount(buckets, weights=weights, minlength=count)[:count]
        above.append(xp.cumsum(per_bucket[::-1])[::-1].astype(predictions.dtype))
    return above[0], above[1]


class _PrecisionOrRecall(Metric):
    """Precision and Recall: true positives against false positives or false negatives."""

    _other = ""  # 'false_positives' or 'false_negatives'

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.init_thresholds = thresholds
        self.top_k = None if top_k is None else check_int("top_k", top_k, 1)
        self.class_id = None if class_id is None else check_int("class_id", class_id, 0)
        if thresholds is None:
            self.thresholds = [0.5 if top_k is None else NEG_INF]
        else:
            self.thresholds = check_thresholds(thresholds)
        self._evenly = evenly_spaced(self.thresholds)
        self.true_positives = self.add_variable((len(self.thresholds),), "zeros", name="true_positives")
        self.add_variable((len(self.thresholds),), "zeros", name=self._other)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tp, fp, _, fn = confusion_counts(
            y_true,
            y_pred,
            sample_weight,
            self.thresholds,
            self.dtype,
            evenly=self._evenly,
            top_k=self.top_k,
            class_id=self.class_id,
        )
        self.true_positives = self.true_positives + tp
        other = fp if self._other == "false_positives" else fn
        setattr(self, self._other, getattr(self, self._other) + other)

    def result(self):
        values = divide_no_nan(self.true_positives, self.true_positives + getattr(self, self._other))
        return python_value(values[0] if len(self.thresholds) == 1 else values)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionOrRecall):
    """The fraction of predicted positives that are positive: ``tp / (tp + fp)``.

    Args:
        thresholds: A number or list of numbers in [0, 1]; predictions above one count
            as positive. Defaults to 0.5 (or, with ``top_k``, every prediction in the top k).
            With a list, the result has one value per threshold.
        top_k: Only each sample's ``top_k`` largest predictions can be positive.
        class_id: Only this class (column) counts.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = Precision()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(metric.result(), 4)
    0.6667
    >>> metric.reset_state()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    >>> metric.result()
    1.0
    """

    _other = "false_positives"


class Recall(_PrecisionOrRecall):
    """The fraction of positives predicted positive: ``tp / (tp + fn)``.

    Args:
        thresholds: A number or list of numbers in [0, 1]; predictions above one count
            as positive. Defaults to 0.5 (or, with ``top_k``, every prediction in the top k).
            With a list, the result has one value per threshold.
        top_k: Only each sample's ``top_k`` largest predictions can be positive.
        class_id: Only this class (column) counts.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = Recall()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(metric.result(), 4)
    0.6667
    >>> metric.reset_state()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    >>> metric.result()
    1.0
    """

    _other = "false_negatives"


class _ConfusionCount(Metric):
    """One cell of the confusion matrix, counted at each threshold (Keras's ``accumulator``)."""

    _cell = 0  # index into confusion_counts's (tp, fp, tn, fn)

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.init_thresholds = thresholds
        self.thresholds = [0.5] if thresholds is None else check_thresholds(thresholds)
        self._evenly = evenly_spaced(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        counts = confusion_counts(y_true, y_pred, sample_weight, self.thresholds, self.dtype, evenly=self._evenly)
        self.accumulator = self.accumulator + counts[self._cell]

    def result(self):
        return python_value(self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """The (weighted) count of positive targets predicted positive: ``y_pred > threshold``.

    Args:
        thresholds: A number or list of numbers in [0, 1]; defaults to 0.5. With a list,
            the result has one count per threshold.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = TruePositives()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> metric.result()
    2.0
    >>> metric.reset_state()
    >>> metric.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    >>> metric.result()
    1.0
    """

    _cell = 0


class FalsePositives(_ConfusionCount):
    """The (weighted) count of negative targets predicted positive: ``y_pred > threshold``.

    Args:
        thresholds: A number or list of numbers in [0, 1]; defaults to 0.5. With a list,
            the result has one count per threshold.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = FalsePositives()
    >>> metric.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> metric.result()
    2.0
    """

    _cell = 1


class TrueNegatives(_ConfusionCount):
    """The (weighted) count of negative targets predicted negative: ``y_pred <= threshold``.

    Args:
        thresholds: A number or list of numbers in [0, 1]; defaults to 0.5. With a list,
            the result has one count per threshold.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = TrueNegatives()
    >>> metric.update_state([0, 1, 0, 0], [1, 1, 0, 0])
    >>> metric.result()
    2.0
    """

    _cell = 2


class FalseNegatives(_ConfusionCount):
    """The (weighted) count of positive targets predicted negative: ``y_pred <= threshold``.

    Args:
        thresholds: A number or list of numbers in [0, 1]; defaults to 0.5. With a list,
            the result has one count per threshold.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = FalseNegatives()
    >>> metric.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    >>> metric.result()
    2.0
    """

    _cell = 3
