"""Activation functions: relu, sigmoid, tanh, softmax, linear.

Each is usable as a plain function on arrays (``activations.relu(x)``) and by name in
layers (``Dense(10, activation='softmax')``). Layers use the :class:`ActivationFunction`
objects, which transform pre-activations in place and express every derivative through
the activation's *output*, so a layer keeps one array per step instead of two.
"""

from __future__ import annotations

from collections.abc import Callable

from kerasette import backend
from kerasette.backend import xp
from kerasette.registry import deserialize, register_builtins


class ActivationFunction:
    """An activation with an in-place forward pass and a gradient from its output.

    Args:
        name: The Keras name of the activation.
        apply_inplace: Overwrites pre-activations ``z`` with ``f(z)`` and returns them.
        grad_inplace: Given ``dL/dy`` and ``y = f(z)``, overwrites ``dL/dy`` with
            ``dL/dz`` and returns it.

    Example:
    >>> relu.grad_inplace(np.array([1.0, 1.0]), relu(np.array([-2.0, 3.0]))).tolist()
    [0.0, 1.0]
    """

    def __init__(self, name: str, apply_inplace: Callable, grad_inplace: Callable):
        self.name = name
        self.apply_inplace = apply_inplace
        self.grad_inplace = grad_inplace

    def __call__(self, x):
        x = xp.asarray(x)
        # Integer and boolean inputs compute in floatx, as in Keras; the in-place rules need floats.
        dtype = x.dtype if x.dtype.kind == "f" else backend.floatx()
        return self.apply_inplace(xp.array(x, dtype=dtype, copy=True))

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


def _relu_apply(z):
    return xp.maximum(z, 0, out=z)


def _relu_grad(grad, y):
    return xp.multiply(grad, y > 0, out=grad)


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


def _softmax_apply(z, axis: int = -1):
    # Subtracting the row maximum keeps exp finite for any logits.
    z -= z.max(axis=axis, keepdims=True)
    xp.exp(z, out=z)
    z /= z.sum(axis=axis, keepdims=True)
    return z


def _softmax_grad(grad, y, axis: int = -1):
    grad -= (grad * y).sum(axis=axis, keepdims=True)
    grad *= y
    return grad


def _linear_apply(z):
    return z


def _linear_grad(grad, y):
    return grad


_ACTIVATIONS = {
    "relu": ActivationFunction("relu", _relu_apply, _relu_grad),
    "sigmoid": ActivationFunction("sigmoid", _sigmoid_apply, _sigmoid_grad),
    "tanh": ActivationFunction("tanh", _tanh_apply, _tanh_grad),
    "softmax": ActivationFunction("softmax", _softmax_apply, _softmax_grad),
    "linear": ActivationFunction("linear", _linear_apply, _linear_grad),
}

register_builtins("activation", _ACTIVATIONS)

relu = _ACTIVATIONS["relu"]
sigmoid = _ACTIVATIONS["sigmoid"]
tanh = _ACTIVATIONS["tanh"]
softmax = _ACTIVATIONS["softmax"]
linear = _ACTIVATIONS["linear"]


def get(identifier: str | ActivationFunction | None) -> ActivationFunction:
    """The activation for a Keras name, an activation object, or None (linear).

    >>> get('relu').name
    'relu'
    >>> get(None).name
    'linear'
    """
    if identifier is None:
        return linear
    return deserialize("activation", "activation", identifier, ActivationFunction)


def serialize(activation: ActivationFunction) -> str:
    """The name that :func:`get` turns back into ``activation``."""
    return activation.name
