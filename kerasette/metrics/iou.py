"""Intersection-over-union metrics for segmentation: IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU.

Each keeps a ``num_classes x num_classes`` confusion matrix (rows: targets, columns:
predictions), weighted by ``sample_weight``, as Keras does; a class's IoU is
``tp / (tp + fp + fn)``, and the result is the mean over the target classes that occurred
(a class never seen nor predicted counts for nothing). Labels outside ``[0, num_classes)``
and ``ignore_class`` are left out. Keras keeps the matrix in integers by default; here it
is kept in the metric's float dtype, so that fractional sample weights count as given.
"""

from __future__ import annotations

import numbers

from kerasette.backend import xp
from kerasette.metrics.metric import Metric, python_value, to_array
from kerasette.validation import check_bool, check_int, check_number

EPSILON = 1e-7  # Keras's backend.epsilon(), added to each denominator


def _check_target_class_ids(target_class_ids, num_classes: int) -> list[int]:
    ids = list(target_class_ids) if isinstance(target_class_ids, (list, tuple)) else None
    valid = bool(ids) and all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) and 0 <= i < num_classes for i in ids
    )
    if not valid:
        raise ValueError(
            f"target_class_ids: expected a non-empty list of class ids in [0, {num_classes}); "
            f"received {target_class_ids!r}"
        )
    return [int(i) for i in ids]


def _check_axis(axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis: expected an integer axis such as -1; received {axis!r} of type {type(axis).__name__}")
    return int(axis)


class IoU(Metric):
    """The mean intersection-over-union of the classes in ``target_class_ids``.

    For each class, ``IoU = tp / (tp + fp + fn)``; the result averages the target classes
    that occurred in the targets or the predictions.

    Args:
        num_classes: How many classes there are, an integer >= 1.
        target_class_ids: The class ids to average over, in ``[0, num_classes)``.
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        ignore_class: A target label to leave out (e.g. a "void" class), or None.
        sparse_y_true: ``y_true`` holds class ids; False: scores or one-hot along ``axis``.
        sparse_y_pred: ``y_pred`` holds class ids; False: scores along ``axis``.
        axis: The class axis of the dense inputs.

    Example:
    >>> metric = IoU(num_classes=2, target_class_ids=[0])
    >>> metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(metric.result(), 4)
    0.3333
    >>> metric.reset_state()
    >>> metric.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.2, 0.3, 0.4, 0.1])
    >>> round(metric.result(), 4)
    0.2222
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class=None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        self.num_classes = check_int("num_classes", num_classes, 1)
        self.target_class_ids = _check_target_class_ids(target_class_ids, self.num_classes)
        if ignore_class is not None and (
            isinstance(ignore_class, bool) or not isinstance(ignore_class, numbers.Integral)
        ):
            raise TypeError(
                f"ignore_class: expected an integer class label or None; received {ignore_class!r} "
                f"of type {type(ignore_class).__name__}"
            )
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.sparse_y_true = check_bool("sparse_y_true", sparse_y_true)
        self.sparse_y_pred = check_bool("sparse_y_pred", sparse_y_pred)
        self.axis = _check_axis(axis)
        super().__init__(dtype=dtype, name=name)
        shape = (self.num_classes, self.num_classes)
        self.total_confusion_matrix = self.add_variable(shape, "zeros", name="total_confusion_matrix")

    def _class_ids(self, values, sparse: bool, argument: str):
        values = to_array(values, argument)
        if not sparse:
            return xp.argmax(values, axis=self.axis).reshape(-1)
        # A cast to integers, as Keras's: fractional ids are truncated.
        return values.reshape(-1).astype("int64")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        labels = self._class_ids(y_true, self.sparse_y_true, "y_true")
        predicted = self._class_ids(y_pred, self.sparse_y_pred, "y_pred")
        if labels.shape != predicted.shape:
            raise ValueError(
                f"y_true: expected as many labels as y_pred has predictions, {predicted.shape[0]}; "
                f"received {labels.shape[0]}"
            )
        weights = xp.ones(labels.shape, self.dtype)
        if sample_weight is not None:
            sample_weight = to_array(sample_weight, "sample_weight").astype(self.dtype, copy=False).reshape(-1)
            try:
                weights = xp.broadcast_to(sample_weight, labels.shape)
            except ValueError:
                raise ValueError(
                    f"sample_weight: expected a scalar or one weight per label, {labels.shape[0]}; "
                    f"received {sample_weight.shape[0]}"
                ) from None
        classes = self.num_classes
        counted = (labels >= 0) & (labels < classes) & (predicted >= 0) & (predicted < classes)
        if self.ignore_class is not None:
            counted &= labels != self.ignore_class
        cells = xp.where(counted, labels * classes + predicted, 0)
        matrix = xp.bincount(cells, weights=weights * counted, minlength=classes * classes)
        self.total_confusion_matrix = self.total_confusion_matrix + matrix.reshape(classes, classes).astype(self.dtype)

    def result(self) -> float:
        matrix = self.total_confusion_matrix
        true_positives = xp.diagonal(matrix)
        # predicted + actual - tp = tp + fp + fn
        denominator = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positives
        ids = xp.asarray(self.target_class_ids)
        true_positives, denominator = true_positives[ids], denominator[ids]
        valid = denominator > 1e-9
        iou = xp.where(valid, true_positives / (denominator + EPSILON), 0)
        return python_value(iou.sum() / (valid.sum() + EPSILON))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of two classes, 0 and 1, with predictions ``>= threshold`` counted as 1.

    Args:
        target_class_ids: Which of the classes 0 and 1 to average over.
        threshold: Predictions at or above it are class 1, a number in [0, 1].
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> metric.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> round(metric.result(), 4)
    0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold: float = 0.5, name: str | None = None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = check_number("threshold", threshold, 0, 1)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = to_array(y_pred, "y_pred", "float32")
        super().update_state(y_true, (y_pred >= self.threshold).astype("int64"), sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """The mean IoU over every class.

    Args:
        num_classes: How many classes there are, an integer >= 1.
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        ignore_class: A target label to leave out, or None.
        sparse_y_true: ``y_true`` holds class ids; False: scores or one-hot along ``axis``.
        sparse_y_pred: ``y_pred`` holds class ids; False: scores along ``axis``.
        axis: The class axis of the dense inputs.

    Example:
    >>> metric = MeanIoU(num_classes=2)
    >>> metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(metric.result(), 4)
    0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class=None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        num_classes = check_int("num_classes", num_classes, 1)
        super().__init__(
            num_classes,
            list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of the classes in ``target_class_ids``, for one-hot targets and per-class scores.

    Args:
        num_classes: How many classes there are, an integer >= 1.
        target_class_ids: The class ids to average over, in ``[0, num_classes)``.
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        ignore_class: A target label to leave out, or None.
        sparse_y_pred: ``y_pred`` holds class ids instead of scores.
        axis: The class axis.

    Example:
    >>> metric = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> metric.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                     [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> round(metric.result(), 4)
    0.1667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """The mean IoU over every class, for one-hot targets and per-class scores.

    Args:
        num_classes: How many classes there are, an integer >= 1.
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        ignore_class: A target label to leave out, or None.
        sparse_y_pred: ``y_pred`` holds class ids instead of scores.
        axis: The class axis.

    Example:
    >>> metric = OneHotMeanIoU(num_classes=3)
    >>> metric.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                     [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> round(metric.result(), 4)
    0.1111
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
