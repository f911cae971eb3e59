"""Activations built from linear pieces and exponentials: relu, leaky_relu, elu, selu,
hard_sigmoid, linear.

Every derivative here is written through the output ``y``: on each piece the output
tells which piece the input was on, given the parameter ranges the checks enforce.
"""

from __future__ import annotations

from kerasette.activations.activation_function import ActivationFunction
from kerasette.backend import xp
from kerasette.validation import check_number

# Klambauer et al. (2017), as Keras and PyTorch use them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _check_relu(negative_slope, max_value, threshold):
    check_number("negative_slope", negative_slope, 0)
    if max_value is not None:
        check_number("max_value", max_value, 0)
    check_number("threshold", threshold, 0)


def _relu_apply(z, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0 and max_value is None and threshold == 0:
        return xp.maximum(z, 0, out=z)
    # Keras's formula: x above the threshold (else 0), capped at max_value, minus
    # negative_slope times how far x lies below the threshold.
    below = xp.maximum(threshold - z, 0) if negative_slope else None
    if threshold == 0:
        xp.maximum(z, 0, out=z)
    else:
        z *= z > threshold
    if max_value is not None:
        xp.minimum(z, max_value, out=z)
    if negative_slope:
        below *= negative_slope
        z -= below
    return z


def _relu_grad(grad, y, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0 and max_value is None:
        return xp.multiply(grad, y > 0, out=grad)
    # threshold >= 0 puts the identity piece at y > 0 and the sloped piece at y <= 0;
    # the cap is the piece y == max_value (with max_value == 0, y == 0 is the cap).
    passing = y > 0
    if max_value is not None:
        passing &= y < max_value
    factor = passing.astype(grad.dtype)
    if negative_slope:
        factor += ((y < 0) if max_value == 0 else (y <= 0)) * negative_slope
    grad *= factor
    return grad


def _check_leaky_relu(negative_slope):
    check_number("negative_slope", negative_slope, 0)


def _leaky_relu_apply(z, negative_slope=0.2):
    negative = xp.minimum(z, 0)
    negative *= negative_slope - 1
    z += negative
    return z


def _leaky_relu_grad(grad, y, negative_slope=0.2):
    factor = (y > 0).astype(grad.dtype)
    factor *= 1 - negative_slope
    factor += negative_slope
    grad *= factor
    return grad


def _check_elu(alpha):
    # For alpha < 0 the negative piece turns positive: not the ELU of Clevert et al.
    check_number("alpha", alpha, 0)


def _elu_apply(z, alpha=1.0):
    negative = xp.minimum(z, 0)
    xp.expm1(negative, out=negative)
    negative *= alpha
    xp.maximum(z, 0, out=z)
    z += negative
    return z


def _elu_grad(grad, y, alpha=1.0):
    # On the negative piece, d/dz alpha * (exp(z) - 1) = alpha * exp(z) = y + alpha.
    grad *= xp.where(y > 0, 1, y + alpha)
    return grad


def _selu_apply(z):
    _elu_apply(z, SELU_ALPHA)
    z *= SELU_SCALE
    return z


def _selu_grad(grad, y):
    grad *= xp.where(y > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA)
    return grad


def _hard_sigmoid_apply(z):
    # Keras 3: relu6(x + 3) / 6, that is x / 6 + 1/2 clipped to [0, 1].
    z /= 6
    z += 0.5
    return xp.clip(z, 0, 1, out=z)


def _hard_sigmoid_grad(grad, y):
    grad *= ((y > 0) & (y < 1)) / 6
    return grad


def _linear_apply(z):
    return z


def _linear_grad(grad, y):
    return grad


relu = ActivationFunction("relu", _relu_apply, _relu_grad, check_params=_check_relu)
leaky_relu = ActivationFunction("leaky_relu", _leaky_relu_apply, _leaky_relu_grad, check_params=_check_leaky_relu)
elu = ActivationFunction("elu", _elu_apply, _elu_grad, check_params=_check_elu)
selu = ActivationFunction("selu", _selu_apply, _selu_grad)
hard_sigmoid = ActivationFunction("hard_sigmoid", _hard_sigmoid_apply, _hard_sigmoid_grad)
linear = ActivationFunction("linear", _linear_apply, _linear_grad)
