"""Smooth activations: sigmoid, tanh, softplus, softsign, exponential, silu and gelu.

silu and gelu have derivatives that the output alone does not determine, so their
gradients also take the pre-activations ``z`` (``needs_inputs``).
"""

from __future__ import annotations

import math

from kerasette.activations.activation_function import ActivationFunction
from kerasette.activations.erf import erf
from kerasette.backend import xp
from kerasette.validation import check_bool

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_SCALE = math.sqrt(2 / math.pi)  # the tanh approximation of gelu (Hendrycks and Gimpel)
_TANH_CUBIC = 0.044715


def _sigmoid_apply(z):
    # exp of a non-positive number cannot overflow, whatever the sign of z.
    positive = z >= 0
    e = xp.exp(-xp.abs(z))
    xp.divide(xp.where(positive, 1, e), 1 + e, out=z)
    return z


def _sigmoid_grad(grad, y):
    grad *= y * (1 - y)
    return grad


def _tanh_apply(z):
    return xp.tanh(z, out=z)


def _tanh_grad(grad, y):
    grad *= 1 - y * y
    return grad


def _softplus_apply(z):
    # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), finite for any z.
    tail = xp.log1p(xp.exp(-xp.abs(z)))
    xp.maximum(z, 0, out=z)
    z += tail
    return z


def _softplus_grad(grad, y):
    # The derivative is sigmoid(z) = 1 - exp(-y); expm1 keeps it exact for tiny y.
    grad *= -xp.expm1(-y)
    return grad


def _softsign_apply(z):
    z /= 1 + xp.abs(z)
    return z


def _softsign_grad(grad, y):
    # 1 / (1 + |z|)^2 = (1 - |y|)^2
    remaining = 1 - xp.abs(y)
    grad *= remaining * remaining
    return grad


def _exponential_apply(z):
    return xp.exp(z, out=z)


def _exponential_grad(grad, y):
    grad *= y
    return grad


def _silu_apply(z):
    z *= _sigmoid_apply(z.copy())
    return z


def _silu_grad(grad, y, z):
    # d/dz z * s(z) = s + z * s * (1 - s) = s * (1 + z - y)
    factor = 1 + z - y
    factor *= _sigmoid_apply(z.copy())
    grad *= factor
    return grad


def _check_gelu(approximate):
    check_bool("approximate", approximate)


def _gelu_tanh(z):
    return xp.tanh(_TANH_SCALE * (z + _TANH_CUBIC * z * z * z))


def _gelu_apply(z, approximate=False):
    if approximate:
        gate = _gelu_tanh(z)
    else:
        gate = erf(z * _SQRT_HALF)
    gate += 1
    gate *= 0.5
    z *= gate
    return z


def _gelu_grad(grad, y, z, approximate=False):
    if approximate:
        tanh = _gelu_tanh(z)
        # 0.5 * (1 + t) + 0.5 * z * (1 - t^2) * d/dz[scale * (z + c z^3)]
        factor = 0.5 * z * (1 - tanh * tanh) * _TANH_SCALE * (1 + 3 * _TANH_CUBIC * z * z)
        factor += 0.5 * (1 + tanh)
    else:
        # Phi(z) + z * phi(z), the standard normal distribution and density
        factor = z * xp.exp(-0.5 * z * z) * _INV_SQRT_2PI
        factor += 0.5 * (1 + erf(z * _SQRT_HALF))
    grad *= factor
    return grad


sigmoid = ActivationFunction("sigmoid", _sigmoid_apply, _sigmoid_grad)
tanh = ActivationFunction("tanh", _tanh_apply, _tanh_grad)
softplus = ActivationFunction("softplus", _softplus_apply, _softplus_grad)
softsign = ActivationFunction("softsign", _softsign_apply, _softsign_grad)
exponential = ActivationFunction("exponential", _exponential_apply, _exponential_grad)
silu = ActivationFunction("silu", _silu_apply, _silu_grad, needs_inputs=True)
gelu = ActivationFunction("gelu", _gelu_apply, _gelu_grad, needs_inputs=True, check_params=_check_gelu)
