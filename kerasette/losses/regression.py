"""Regression losses beyond MSE: absolute, percentage, squared-log, Huber and log-cosh errors.

Each is a ``keras.losses`` function (one value per sample, averaged over the last axis)
and a :class:`Loss` whose hand-written gradient is the derivative of exactly what the
function computes, clipped regions included (zero where a clip holds a value constant).
At a kink (``|y_pred - y_true| = 0`` for MAE) the gradient is the subgradient 0.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.losses.loss import Loss, as_device_arrays
from kerasette.validation import check_number

EPSILON = 1e-7  # keras.backend.epsilon(): the clip of MAPE's divisor and MSLE's arguments
LOG_2 = 0.6931471805599453


def _softplus(values):
    """log(1 + exp(x)) without overflow."""
    return xp.maximum(values, 0) + xp.log1p(xp.exp(-xp.abs(values)))


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|)`` over the last axis, one value per sample.

    >>> mean_absolute_error(np.array([[0.0, 0.0]]), np.array([[1.0, -3.0]])).tolist()
    [2.0]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return xp.abs(y_pred - y_true).mean(axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis.

    >>> mean_absolute_percentage_error(np.array([[2.0, 4.0]]), np.array([[1.0, 5.0]])).tolist()
    [37.5]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return 100.0 * (xp.abs(y_true - y_pred) / xp.maximum(xp.abs(y_true), EPSILON)).mean(axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1))**2)`` over the last axis.

    >>> mean_squared_logarithmic_error(np.array([[0.0]]), np.array([[np.e - 1]])).round(6).tolist()
    [1.0]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    difference = xp.log(xp.maximum(y_pred, EPSILON) + 1.0) - xp.log(xp.maximum(y_true, EPSILON) + 1.0)
    return (difference * difference).mean(axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error ``0.5 * e**2`` where ``|e| <= delta``, else ``delta * |e| - 0.5 * delta**2``, averaged.

    >>> huber(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]])).round(3).tolist()
    [0.18, 0.13]
    """
    delta = check_number("delta", delta, 0, low_open=True)
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    error = y_pred - y_true
    absolute = xp.abs(error)
    quadratic = 0.5 * error * error
    return xp.where(absolute <= delta, quadratic, delta * absolute - 0.5 * delta * delta).mean(axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)))`` over the last axis, computed without overflow.

    >>> log_cosh(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])).round(3).tolist()
    [0.217, 0.0]
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    error = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), as Keras computes it.
    return (error + _softplus(-2.0 * error) - LOG_2).mean(axis=-1)


class MeanAbsoluteError(Loss):
    """Mean of absolute differences over the last axis.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> float(MeanAbsoluteError()(np.array([[0.0, 0.0]]), np.array([[1.0, -3.0]])))
    2.0
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "mean_absolute_error"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return xp.sign(y_pred - y_true) / y_pred.shape[-1]


class MeanAbsolutePercentageError(Loss):
    """Mean absolute error relative to the target, in percent (targets near 0 count as 1e-7).

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> float(MeanAbsolutePercentageError()(np.array([[2.0, 4.0]]), np.array([[1.0, 5.0]])))
    37.5
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "mean_absolute_percentage_error"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return mean_absolute_percentage_error(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return xp.sign(y_pred - y_true) * (100.0 / y_pred.shape[-1]) / xp.maximum(xp.abs(y_true), EPSILON)


class MeanSquaredLogarithmicError(Loss):
    """Mean squared difference of ``log(1 + x)`` of predictions and targets, both clipped below at 1e-7.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> round(float(MeanSquaredLogarithmicError()(np.array([[0.0]]), np.array([[np.e - 1]]))), 6)
    1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "mean_squared_logarithmic_error"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return mean_squared_logarithmic_error(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        shifted = xp.maximum(y_pred, EPSILON) + 1.0
        difference = xp.log(shifted) - xp.log(xp.maximum(y_true, EPSILON) + 1.0)
        # The clip holds predictions below 1e-7 constant: no gradient there.
        return (2.0 / y_pred.shape[-1]) * difference / shifted * (y_pred > EPSILON)


class Huber(Loss):
    """Quadratic for errors up to ``delta``, linear beyond: MSE's smoothness with MAE's robustness.

    Args:
        delta: Where the loss turns from quadratic to linear; a positive number.
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> round(float(Huber()(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]]))), 3)
    0.155

    Reference: Huber, "Robust Estimation of a Location Parameter", 1964.
    """

    def __init__(self, delta: float = 1.0, reduction="sum_over_batch_size", name: str = "huber_loss"):
        super().__init__(name, reduction)
        self.delta = check_number("delta", delta, 0, low_open=True)

    def per_sample(self, y_true, y_pred):
        return huber(y_true, y_pred, self.delta)

    def per_sample_gradient(self, y_true, y_pred):
        return xp.clip(y_pred - y_true, -self.delta, self.delta) / y_pred.shape[-1]

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(Loss):
    """Mean of ``log(cosh(y_pred - y_true))``: about ``e**2 / 2`` for small errors, ``|e| - log 2`` for large.

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> round(float(LogCosh()(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]]))), 3)
    0.108
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "log_cosh"):
        super().__init__(name, reduction)

    def per_sample(self, y_true, y_pred):
        return log_cosh(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return xp.tanh(y_pred - y_true) / y_pred.shape[-1]
