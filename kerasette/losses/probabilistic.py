"""Kullback-Leibler divergence and the Poisson loss, as ``keras.losses`` functions and Losses."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.losses.loss import Loss, as_device_arrays

EPSILON = 1e-7  # keras.backend.epsilon(): KL's clip and Poisson's shift inside the log


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` over the last axis, both clipped to ``[1e-7, 1]``.

    >>> kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])).round(4).tolist()
    [0.1438]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    y_true = xp.clip(y_true, EPSILON, 1)
    return (y_true * xp.log(y_true / xp.clip(y_pred, EPSILON, 1))).sum(axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + 1e-7))`` over the last axis, one value per sample.

    >>> poisson(np.array([[1.0, 0.0]]), np.array([[1.0, 2.0]])).round(4).tolist()
    [1.5]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return (y_pred - y_true * xp.log(y_pred + EPSILON)).mean(axis=-1)


class KLDivergence(Loss):
    """Kullback-Leibler divergence of the predicted from the target distribution, over the last axis.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> round(float(KLDivergence()(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]]))), 4)
    0.1438
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "kl_divergence"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return kl_divergence(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        inside = (y_pred >= EPSILON) & (y_pred <= 1)
        # Outside [1e-7, 1] the clip holds the prediction constant: no gradient there.
        return -xp.clip(y_true, EPSILON, 1) / xp.clip(y_pred, EPSILON, 1) * inside


class Poisson(Loss):
    """Mean of ``y_pred - y_true * log(y_pred + 1e-7)``: for count targets, predictions > 0.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> round(float(Poisson()(np.array([[1.0, 0.0]]), np.array([[1.0, 2.0]]))), 4)
    1.5
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "poisson"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return poisson(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return (1.0 - y_true / (y_pred + EPSILON)) / y_pred.shape[-1]
