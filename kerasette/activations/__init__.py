"""Keras's activation functions, usable on arrays and by name in layers.

Each is usable as a plain function with Keras's signature (``activations.relu(x,
max_value=6.0)``) and by name in layers (``Dense(10, activation='gelu')``). Layers use
the :class:`ActivationFunction` objects, which transform pre-activations in place and
carry their own gradient; all but silu and gelu express it through the activation's
*output*, so a layer keeps one array per step instead of two.
"""

from __future__ import annotations

from kerasette.activations.activation_function import ActivationFunction
from kerasette.activations.piecewise import elu, hard_sigmoid, leaky_relu, linear, relu, selu
from kerasette.activations.smooth import exponential, gelu, sigmoid, silu, softplus, softsign, tanh
from kerasette.activations.softmax import log_softmax, softmax
from kerasette.registry import deserialize, register_builtins

__all__ = [
    "ActivationFunction",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "log_softmax",
    "relu",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

swish = silu  # Keras's other name for silu; it serializes as 'silu', as in Keras

_ACTIVATIONS = {
    activation.name: activation
    for activation in (
        relu,
        sigmoid,
        tanh,
        softmax,
        linear,
        elu,
        selu,
        gelu,
        softplus,
        softsign,
        silu,
        leaky_relu,
        hard_sigmoid,
        exponential,
        log_softmax,
    )
}
register_builtins("activation", {**_ACTIVATIONS, "swish": silu})


def get(identifier: str | ActivationFunction | None) -> ActivationFunction:
    """The activation for a Keras name, an activation object, or None (linear).

    >>> get('relu').name
    'relu'
    >>> get(None).name
    'linear'
    >>> get('swish') is silu
    True
    """
    if identifier is None:
        return linear
    return deserialize("activation", "activation", identifier, ActivationFunction)


def serialize(activation: ActivationFunction) -> str:
    """The name that :func:`get` turns back into ``activation``.

    An activation with parameters of its own (``relu.with_params(max_value=6.0)``) has no
    name that says so; layers such as ``ReLU`` save those parameters in their configs.

    >>> serialize(get('swish'))
    'silu'
    """
    if not activation.has_default_params:
        raise ValueError(
            f"activation: {activation!r} has non-default parameters, which its name cannot carry; "
            "use the layer that takes them (ReLU, LeakyReLU, ELU) to save it"
        )
    return activation.name
