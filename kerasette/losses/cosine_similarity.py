"""Cosine similarity as a loss: minus the cosine of the angle between targets and predictions."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.losses.loss import Loss, as_device_arrays, check_axis

EPSILON = 1e-7  # Keras's normalize: norms below this are taken as this


def _norms(values):
    """L2 norms over the last axis (kept), clipped below at 1e-7 as Keras's normalize does."""
    return xp.maximum(xp.sqrt((values * values).sum(axis=-1, keepdims=True)), EPSILON)


def _cosine_loss(y_true, y_pred):
    return -((y_true / _norms(y_true)) * (y_pred / _norms(y_pred))).sum(axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred))`` over ``axis``: -1 alike, 0 orthogonal.

    >>> cosine_similarity(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]])).round(4).tolist()
    [-0.0, -1.0]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    axis = check_axis(axis)
    return _cosine_loss(xp.moveaxis(y_true, axis, -1), xp.moveaxis(y_pred, axis, -1))


class CosineSimilarity(Loss):
    """Minus the cosine similarity of targets and predictions along ``axis``.

    Args:
        axis: The axis along which the similarity is computed.
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> loss = CosineSimilarity()
    >>> round(float(loss(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]]))), 4)
    -0.5
    """

    def __init__(self, axis: int = -1, reduction="sum_over_batch_size", name: str = "cosine_similarity"):
        super().__init__(name, reduction)
        self.axis = check_axis(axis)

    def per_sample(self, y_true, y_pred):
        return _cosine_loss(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        unit_true = y_true / _norms(y_true)
        squared_norm = (y_pred * y_pred).sum(axis=-1, keepdims=True)
        norm = _norms(y_pred)
        # Above the clip, d(p / |p|)/dp projects out p's own direction; below it, |p| is constant.
        projected = unit_true - (unit_true * y_pred).sum(axis=-1, keepdims=True) * y_pred / xp.maximum(
            squared_norm, EPSILON * EPSILON
        )
        return -xp.where(norm > EPSILON, projected, unit_true) / norm

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
