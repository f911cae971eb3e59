"""Activations over an axis: softmax and log_softmax."""

from __future__ import annotations

from kerasette.activations.activation_function import ActivationFunction
from kerasette.backend import xp
from kerasette.validation import check_number


def _check_axis(axis):
    """An int, or (as Keras's ``ops.softmax``) a tuple of distinct ints: the axes summed to 1."""
    if isinstance(axis, (tuple, list)):
        if not axis or len(set(axis)) != len(axis):
            raise ValueError(f"axis: expected distinct integers; received {axis!r}")
        for one in axis:
            check_number("axis", one, integer=True)
    else:
        check_number("axis", axis, integer=True)


def _softmax_apply(z, axis=-1):
    # Subtracting the row maximum keeps exp finite for any logits.
    z -= z.max(axis=axis, keepdims=True)
    xp.exp(z, out=z)
    z /= z.sum(axis=axis, keepdims=True)
    return z


def _softmax_grad(grad, y, axis=-1):
    grad -= (grad * y).sum(axis=axis, keepdims=True)
    grad *= y
    return grad


def _log_softmax_apply(z, axis=-1):
    z -= z.max(axis=axis, keepdims=True)
    z -= xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
    return z


def _log_softmax_grad(grad, y, axis=-1):
    # d log_softmax: grad - softmax * sum(grad), and softmax = exp(y).
    grad -= xp.exp(y) * grad.sum(axis=axis, keepdims=True)
    return grad


softmax = ActivationFunction("softmax", _softmax_apply, _softmax_grad, check_params=_check_axis)
log_softmax = ActivationFunction("log_softmax", _log_softmax_apply, _log_softmax_grad, check_params=_check_axis)
