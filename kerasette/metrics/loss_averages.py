"""Losses as metrics: hinge, squared hinge, categorical hinge, KL divergence and Poisson.

Each averages the ``keras.losses`` function of its name over every sample seen, after
matching the shapes of targets and predictions as every metric does. The functions
themselves are ``keras.metrics``'s too (``keras.metrics.hinge is keras.losses.hinge``).
"""

from __future__ import annotations

from kerasette import losses
from kerasette.metrics.reduction import MeanMetricWrapper, matched


def _hinge(y_true, y_pred):
    return losses.hinge(*matched(y_true, y_pred))


def _squared_hinge(y_true, y_pred):
    return losses.squared_hinge(*matched(y_true, y_pred))


def _categorical_hinge(y_true, y_pred):
    return losses.categorical_hinge(*matched(y_true, y_pred))


def _kl_divergence(y_true, y_pred):
    return losses.kl_divergence(*matched(y_true, y_pred))


def _poisson(y_true, y_pred):
    return losses.poisson(*matched(y_true, y_pred))


class Hinge(MeanMetricWrapper):
    """Mean of ``max(1 - y_true * y_pred, 0)``; targets -1/1 (0/1 targets are made -1/1).

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = Hinge()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(metric.result(), 4)
    1.3
    """

    def __init__(self, name: str = "hinge", dtype=None):
        super().__init__(_hinge, name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean of ``max(1 - y_true * y_pred, 0) ** 2``; targets -1/1 (0/1 targets are made -1/1).

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = SquaredHinge()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(metric.result(), 4)
    1.86
    """

    def __init__(self, name: str = "squared_hinge", dtype=None):
        super().__init__(_squared_hinge, name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean of ``max(neg - pos + 1, 0)``, ``pos`` the score of the true class, ``neg`` the best other.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = CategoricalHinge()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(metric.result(), 4)
    1.4
    """

    def __init__(self, name: str = "categorical_hinge", dtype=None):
        super().__init__(_categorical_hinge, name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``, both clipped to [1e-7, 1].

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = KLDivergence()
    >>> metric.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(metric.result(), 4)
    0.4581
    """

    def __init__(self, name: str = "kl_divergence", dtype=None):
        super().__init__(_kl_divergence, name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean of ``y_pred - y_true * log(y_pred + 1e-7)``.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = Poisson()
    >>> metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(metric.result(), 4)
    0.5
    """

    def __init__(self, name: str = "poisson", dtype=None):
        super().__init__(_poisson, name, dtype=dtype)
