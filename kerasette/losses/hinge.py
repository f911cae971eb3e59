"""Hinge losses: hinge, squared hinge and categorical hinge, for maximum-margin classifiers.

``Hinge`` and ``SquaredHinge`` expect targets of -1 or 1; targets that are all 0 or 1 are
turned into -1 and 1 inside the math, per batch, as Keras does (for -1/1 and for 0/1
labels every batch gets the same answer). The prepared targets stay as given, so that
metrics (accuracy, AUC) see the user's labels, as in Keras.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.losses.loss import Loss, as_device_arrays, check_same_shape
from kerasette.validation import check_finite, host_array


def _signed_labels(y_true):
    """0/1 targets as -1/1; any other targets unchanged (decided on the device, no sync)."""
    binary = ((y_true == 0) | (y_true == 1)).all()
    return xp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))`` over the last axis, one value per sample.

    >>> hinge(np.array([[1.0, -1.0]]), np.array([[0.5, 0.5]])).tolist()
    [1.0]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return xp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0).mean(axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2)`` over the last axis, one value per sample.

    >>> squared_hinge(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])).tolist()
    [1.25]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    margin = xp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)
    return (margin * margin).mean(axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)``, ``neg = max((1 - y_true) * y_pred)``.

    >>> categorical_hinge(np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.9]])).round(6).tolist()
    [1.4]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    positive = (y_true * y_pred).sum(axis=-1)
    negative = ((1.0 - y_true) * y_pred).max(axis=-1)
    return xp.maximum(negative - positive + 1.0, 0.0)


class _SignedTargetsLoss(Loss):
    def prepare_targets(self, y_true, output_shape, argument="y"):
        targets = check_same_shape(host_array(y_true, argument), output_shape, argument)
        check_finite(targets, argument)
        return backend.to_device(targets.astype(backend.floatx()))


class Hinge(_SignedTargetsLoss):
    """Mean of ``max(1 - y_true * y_pred, 0)`` over the last axis; targets -1/1 (or 0/1).

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> float(Hinge()(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])))
    1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "hinge"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return xp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0).mean(axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        y_true = _signed_labels(y_true)
        return -y_true * (1.0 - y_true * y_pred > 0) / y_pred.shape[-1]


class SquaredHinge(_SignedTargetsLoss):
    """Mean of ``max(1 - y_true * y_pred, 0) ** 2`` over the last axis; targets -1/1 (or 0/1).

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> float(SquaredHinge()(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])))
    1.25
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "squared_hinge"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        margin = xp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)
        return (margin * margin).mean(axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        y_true = _signed_labels(y_true)
        margin = xp.maximum(1.0 - y_true * y_pred, 0.0)
        return -2.0 * y_true * margin / y_pred.shape[-1]


class CategoricalHinge(Loss):
    """``max(neg - pos + 1, 0)``: the best wrong class must score 1 below the right one.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> round(float(CategoricalHinge()(np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.9]]))), 6)
    1.4
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "categorical_hinge"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return categorical_hinge(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        wrong = (1.0 - y_true) * y_pred
        active = (wrong.max(axis=-1) - (y_true * y_pred).sum(axis=-1) + 1.0 > 0)[..., None]
        # The max passes its gradient to the first largest entry, as argmax picks it.
        largest = xp.zeros_like(y_pred)
        xp.put_along_axis(largest, wrong.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return (largest * (1.0 - y_true) - y_true) * active
