"""SimpleRNN, LSTM and GRU as ONNX's ``RNN``, ``LSTM`` and ``GRU`` nodes.

ONNX reads time-major sequences (``[steps, batch, features]``) and weights as
``[directions, gates * units, inputs]``; Keras keeps batch-major sequences and
``(inputs, gates * units)`` kernels. Gate orders: Keras's LSTM is (i, f, c, o), ONNX's
(i, o, f, c); GRU is (z, r, h) in both, and Keras's ``reset_after=True`` is ONNX's
``linear_before_reset=1``, its two bias rows ONNX's input and recurrent biases.
"""

from __future__ import annotations

import numpy as np

from kerasette import activations, layers
from kerasette.export.onnx_graph import OnnxGraph


def unsupported_reason(layer) -> str | None:
    """Why this recurrent layer cannot be written to ONNX, or None."""
    cell = layer.cell
    if cell.activation is not activations.tanh or getattr(cell, "recurrent_activation", activations.sigmoid) is not (
        activations.sigmoid
    ):
        return "only Keras's default activations (tanh, and sigmoid for the gates) have an ONNX conversion"
    for flag in ("return_state", "go_backwards", "stateful"):
        if getattr(layer, flag):
            return f"{flag}=True has no ONNX conversion here"
    return None


def _weights(cell, name: str) -> np.ndarray:
    return np.asarray(cell.params[name].numpy(), dtype=np.float32)


def _onnx_order(array: np.ndarray, units: int, layer) -> np.ndarray:
    """The last axis's gate blocks in ONNX's order."""
    if isinstance(layer, layers.LSTM):
        i, f, c, o = (array[..., k * units : (k + 1) * units] for k in range(4))
        return np.concatenate([i, o, f, c], axis=-1)
    return array


def _recurrent(graph: OnnxGraph, layer, inputs: list[str], shapes: list[tuple]) -> str:
    cell, units, scope = layer.cell, layer.cell.units, layer.name
    op_type = {layers.SimpleRNN: "RNN", layers.LSTM: "LSTM", layers.GRU: "GRU"}[type(layer)]
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[op_type]
    kernel = _onnx_order(_weights(cell, "kernel"), units, layer).T[None]
    recurrent = _onnx_order(_weights(cell, "recurrent_kernel"), units, layer).T[None]
    if not cell.use_bias:
        bias = np.zeros(2 * gates * units, np.float32)
    elif isinstance(layer, layers.GRU) and cell.reset_after:
        bias = np.concatenate([_weights(cell, "bias")[0], _weights(cell, "bias")[1]])
    else:
        bias = np.concatenate([_onnx_order(_weights(cell, "bias"), units, layer), np.zeros(gates * units, np.float32)])
    attributes = {"hidden_size": units}
    if op_type == "GRU":
        attributes["linear_before_reset"] = int(cell.reset_after)
    time_major = graph.node("Transpose", [inputs[0]], scope, perm=[1, 0, 2])
    weights = [
        graph.constant(f"{scope}/W", kernel),
        graph.constant(f"{scope}/R", recurrent),
        graph.constant(f"{scope}/B", bias[None]),
    ]
    sequence, last = graph.node_with_outputs(op_type, [time_major, *weights], scope, 2, **attributes)
    if layer.return_sequences:  # [steps, 1, batch, units] -> [batch, steps, units]
        squeezed = graph.node("Squeeze", [sequence, graph.constant(f"{scope}/axis1", [1], np.int64)], scope)
        return graph.node("Transpose", [squeezed], scope, perm=[1, 0, 2])
    return graph.node("Squeeze", [last, graph.constant(f"{scope}/axis0", [0], np.int64)], scope)


CONVERTERS = dict.fromkeys((layers.SimpleRNN, layers.LSTM, layers.GRU), _recurrent)
