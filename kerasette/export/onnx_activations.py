"""Keras's activation functions as ONNX nodes, with their parameters (relu's ``max_value``,
elu's ``alpha``, softmax's ``axis``...), each as kerasette computes it."""

from __future__ import annotations

import math

from kerasette.activations.piecewise import SELU_ALPHA, SELU_SCALE
from kerasette.export.onnx_graph import OnnxGraph


def _relu(graph: OnnxGraph, x: str, scope: str, negative_slope, max_value, threshold) -> str:
    if negative_slope == 0 and max_value is None and threshold == 0:
        return graph.node("Relu", [x], scope)
    if max_value is None and threshold == 0:
        return graph.node("LeakyRelu", [x], scope, alpha=float(negative_slope))
    # Keras's formula: x above the threshold (else 0), capped at max_value, minus
    # negative_slope times how far x lies below the threshold.
    limit = graph.constant(f"{scope}/threshold", threshold)
    above = graph.node("Cast", [graph.node("Greater", [x, limit], scope)], scope, to=1)
    y = graph.node("Mul", [x, above], scope)
    if max_value is not None:
        y = graph.node("Min", [y, graph.constant(f"{scope}/max_value", max_value)], scope)
    if negative_slope:
        below = graph.node("Relu", [graph.node("Sub", [limit, x], scope)], scope)
        scaled = graph.node("Mul", [below, graph.constant(f"{scope}/negative_slope", negative_slope)], scope)
        y = graph.node("Sub", [y, scaled], scope)
    return y


def _gelu(graph: OnnxGraph, x: str, scope: str, approximate) -> str:
    half_x = graph.node("Mul", [x, graph.constant(f"{scope}/half", 0.5)], scope)
    if approximate:  # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        cube = graph.node("Mul", [graph.node("Mul", [x, x], scope), x], scope)
        inner = graph.node("Add", [x, graph.node("Mul", [cube, graph.constant(f"{scope}/c", 0.044715)], scope)], scope)
        scaled = graph.node("Mul", [inner, graph.constant(f"{scope}/sqrt_2_over_pi", math.sqrt(2 / math.pi))], scope)
        curve = graph.node("Tanh", [scaled], scope)
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        curve = graph.node(
            "Erf", [graph.node("Mul", [x, graph.constant(f"{scope}/rsqrt2", 1 / math.sqrt(2))], scope)], scope
        )
    return graph.node("Mul", [half_x, graph.node("Add", [curve, graph.constant(f"{scope}/one", 1.0)], scope)], scope)


# Activations that are one ONNX op without parameters.
_PLAIN = {"sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "softsign": "Softsign", "exponential": "Exp"}


def supports(activation) -> bool:
    return activation.name in _PLAIN or activation.name in (
        "linear",
        "relu",
        "leaky_relu",
        "elu",
        "selu",
        "gelu",
        "silu",
        "hard_sigmoid",
        "softmax",
        "log_softmax",
    )


def convert(graph: OnnxGraph, activation, x: str, scope: str) -> str:
    """``activation`` (an :class:`~kerasette.activations.ActivationFunction`) applied to ``x``."""
    name, params = activation.name, activation.params
    if name == "linear":
        return x
    if name in _PLAIN:
        return graph.node(_PLAIN[name], [x], scope)
    if name == "relu":
        return _relu(graph, x, scope, **params)
    if name == "leaky_relu":
        return graph.node("LeakyRelu", [x], scope, alpha=float(params["negative_slope"]))
    if name == "elu":
        return graph.node("Elu", [x], scope, alpha=float(params["alpha"]))
    if name == "selu":
        return graph.node("Selu", [x], scope, alpha=SELU_ALPHA, gamma=SELU_SCALE)
    if name == "gelu":
        return _gelu(graph, x, scope, params["approximate"])
    if name == "silu":
        return graph.node("Mul", [x, graph.node("Sigmoid", [x], scope)], scope)
    if name == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6
        return graph.node("HardSigmoid", [x], scope, alpha=1 / 6, beta=0.5)
    if name in ("softmax", "log_softmax"):
        return graph.node("Softmax" if name == "softmax" else "LogSoftmax", [x], scope, axis=int(params["axis"]))
    raise ValueError(f"activation {name!r} has no ONNX conversion")
