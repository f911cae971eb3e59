"""Overlap losses for segmentation: Dice and Tversky, as ``keras.losses`` functions and Losses.

Both compare soft sets: ``y_true`` and ``y_pred`` in [0, 1], summed over ``axis``. With
Keras's default ``axis=None`` the sums run over the whole batch and the loss is one
number for the batch (sample weights then scale it by their mean, as in Keras); an
``axis`` such as ``(1, 2)`` gives one value per sample. Written with ``kerasette.ops``;
the gradient comes from the tape.
"""

from __future__ import annotations

import numbers

from kerasette import ops
from kerasette.losses.loss import Loss, as_device_arrays
from kerasette.ops import tape
from kerasette.validation import check_number

EPSILON = 1e-7  # Keras's backend.epsilon(), added to each denominator


def check_sum_axis(axis):
    """None, an int or a tuple of ints (a list becomes a tuple)."""
    if isinstance(axis, list):
        axis = tuple(axis)
    is_int = isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
    is_ints = (
        isinstance(axis, tuple)
        and axis
        and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis)
    )
    if not (axis is None or is_int or is_ints):
        raise TypeError(f"axis: expected None, an integer or a tuple of integers; received {axis!r}")
    return axis if axis is None or is_int else tuple(int(a) for a in axis)


def _dice(y_true, y_pred, axis):
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis)
    return 1.0 - 2.0 * intersection / (total + EPSILON)


def _tversky(y_true, y_pred, alpha, beta, axis):
    intersection = ops.sum(y_true * y_pred, axis=axis)
    # Keras's naming: 'fp' weighs the target outside the prediction, 'fn' the prediction outside the target.
    false_positives = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    false_negatives = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + alpha * false_positives + beta * false_negatives + EPSILON)


def dice(y_true, y_pred, axis=None):
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)`` over ``axis``.

    >>> round(float(dice([[1.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [1.0, 0.0]])), 4)
    0.4
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return tape.unwrap(_dice(y_true, y_pred, check_sum_axis(axis)))


def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None):
    """``1 - tp / (tp + alpha * fp + beta * fn + 1e-7)`` over ``axis``, with soft counts.

    >>> round(float(tversky([[1.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [1.0, 0.0]], alpha=0.7, beta=0.3)), 4)
    0.4444
    """
    alpha, beta = check_number("alpha", alpha), check_number("beta", beta)
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return tape.unwrap(_tversky(y_true, y_pred, alpha, beta, check_sum_axis(axis)))


class _OverlapLoss(Loss):
    def values_shape(self, output_shape: tuple) -> tuple:
        if self.axis is None:
            # One value for the batch; a weight per sample scales it (by their mean), as in Keras.
            return tuple(output_shape[:1])
        axes = (self.axis,) if isinstance(self.axis, int) else self.axis
        rank = len(output_shape)
        for axis in axes:
            if not -rank <= axis < rank:
                raise ValueError(f"axis: {self.axis} is out of range for predictions with {rank} axes")
        removed = {axis % rank for axis in axes}
        return tuple(size for axis, size in enumerate(output_shape) if axis not in removed)


class Dice(_OverlapLoss):
    """The Dice loss, ``1 - 2 |T ∩ P| / (|T| + |P|)``, with soft sets summed over ``axis``.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.
        axis: None (one value for the whole batch, Keras's default), or the axes of each
            sample to sum over, e.g. ``(1, 2, 3)`` for images.
        dtype: Accepted for Keras's signature; the loss computes in the predictions' dtype.

    Example:
    >>> round(float(Dice()(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.5, 0.5], [1.0, 0.0]]))), 4)
    0.4

    Reference: Milletari et al., "V-Net", 2016.
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "dice", axis=None, dtype=None):
        super().__init__(name, reduction, dtype)
        self.axis = check_sum_axis(axis)

    def call(self, y_true, y_pred):
        return _dice(y_true, y_pred, self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Tversky(_OverlapLoss):
    """The Tversky loss, ``1 - tp / (tp + alpha * fp + beta * fn)``: Dice with weighted errors.

    ``alpha = beta = 0.5`` gives the Dice loss; a larger ``beta`` penalises missed
    positives more.

    Args:
        alpha: The weight of Keras's ``fp``, ``sum((1 - y_pred) * y_true)``.
        beta: The weight of Keras's ``fn``, ``sum(y_pred * (1 - y_true))``.
        reduction: See :class:`Loss`.
        name: Name used in logs.
        axis: None (one value for the whole batch, Keras's default), or the axes of each
            sample to sum over.
        dtype: Accepted for Keras's signature; the loss computes in the predictions' dtype.

    Example:
    >>> loss = Tversky(alpha=0.7, beta=0.3)
    >>> round(float(loss(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.5, 0.5], [1.0, 0.0]]))), 4)
    0.4444

    Reference: Salehi et al., "Tversky loss function for image segmentation", 2017.
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction="sum_over_batch_size",
        name: str = "tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(name, reduction, dtype)
        self.alpha, self.beta = check_number("alpha", alpha), check_number("beta", beta)
        self.axis = check_sum_axis(axis)

    def call(self, y_true, y_pred):
        return _tversky(y_true, y_pred, self.alpha, self.beta, self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha, "beta": self.beta, "axis": self.axis}
