"""Each built-in layer as ONNX nodes, at inference (Dropout and noise pass values through,
BatchNormalization uses its moving statistics).

A converter is ``convert(graph, layer, inputs, shapes) -> output`` where ``inputs`` are
the names of the layer's input values and ``shapes`` their Keras shapes (batch axis
first, None where unknown). Layers are looked up by their exact class: a subclass of
one's own may compute something else, so it is refused rather than guessed.
"""

from __future__ import annotations

import numpy as np

from kerasette import backend, layers
from kerasette.export import onnx_activations, onnx_recurrent
from kerasette.export.onnx_graph import OnnxGraph
from kerasette.layers.convolution import padding_amounts
from kerasette.layers.recurrent_cell import RecurrentCell


def _weight(layer, name: str) -> np.ndarray:
    return np.asarray(layer.params[name].numpy())


def _with_activation(graph: OnnxGraph, layer, value: str) -> str:
    return onnx_activations.convert(graph, layer.activation, value, layer.name)


def _dense(graph, layer, inputs, shapes):
    value = graph.node(
        "MatMul", [inputs[0], graph.constant(f"{layer.name}/kernel", _weight(layer, "kernel"))], layer.name
    )
    if layer.use_bias:
        value = graph.node("Add", [value, graph.constant(f"{layer.name}/bias", _weight(layer, "bias"))], layer.name)
    return _with_activation(graph, layer, value)


def _to_channels_first(graph, layer, value: str, rank: int) -> str:
    return graph.node("Transpose", [value], layer.name, perm=[0, rank + 1, *range(1, rank + 1)])


def _to_channels_last(graph, layer, value: str, rank: int) -> str:
    return graph.node("Transpose", [value], layer.name, perm=[0, *range(2, rank + 2), 1])


def _window_padding(layer, window, dilation) -> dict:
    """ONNX's padding attributes for Keras's 'valid', 'same' (odd zero after, as TensorFlow) or 'causal'."""
    if layer.padding == "same":
        return {"auto_pad": "SAME_UPPER"}
    pairs = [padding_amounts(0, size, layer.padding, 1, rate) for size, rate in zip(window, dilation)]
    return {"pads": [before for before, _ in pairs] + [after for _, after in pairs]}


def _windowed(graph, layer, value: str, op_type: str, inputs_extra: list, **attributes) -> str:
    """A convolution or pooling of channels-first ONNX around Keras's data_format."""
    rank, channels_last = layer.rank, layer.data_format == "channels_last"
    if channels_last:
        value = _to_channels_first(graph, layer, value, rank)
    value = graph.node(op_type, [value, *inputs_extra], layer.name, strides=list(layer.strides), **attributes)
    return _to_channels_last(graph, layer, value, rank) if channels_last else value


def _conv(graph, layer, inputs, shapes):
    rank = layer.rank
    # Keras's kernel is (*window, in, out); ONNX's (out, in, *window).
    kernel = np.transpose(_weight(layer, "kernel"), (rank + 1, rank, *range(rank)))
    weights = [graph.constant(f"{layer.name}/kernel", kernel)]
    if layer.use_bias:
        weights.append(graph.constant(f"{layer.name}/bias", _weight(layer, "bias")))
    value = _windowed(
        graph,
        layer,
        inputs[0],
        "Conv",
        weights,
        kernel_shape=list(layer.kernel_size),
        dilations=list(layer.dilation_rate),
        **_window_padding(layer, layer.kernel_size, layer.dilation_rate),
    )
    return _with_activation(graph, layer, value)


def _pooling(graph, layer, inputs, shapes):
    ones = (1,) * layer.rank
    attributes = {"kernel_shape": list(layer.pool_size), **_window_padding(layer, layer.pool_size, ones)}
    if layer.mode == "average":  # Keras averages over the real inputs of a window, not the padding
        return _windowed(graph, layer, inputs[0], "AveragePool", [], count_include_pad=0, **attributes)
    return _windowed(graph, layer, inputs[0], "MaxPool", [], **attributes)


def _global_pooling(graph, layer, inputs, shapes):
    rank = len(shapes[0])
    axes = list(range(1, rank - 1)) if layer.data_format == "channels_last" else list(range(2, rank))
    op_type = "ReduceMean" if isinstance(layer, layers.GlobalAveragePooling2D) else "ReduceMax"
    return graph.node(op_type, [inputs[0]], layer.name, axes=axes, keepdims=int(layer.keepdims))


def _channel_shape(shape: tuple, axes) -> list[int]:
    """The shape that broadcasts a per-channel weight over inputs of ``shape``."""
    return [size if axis in axes else 1 for axis, size in enumerate(shape)]


def _batch_normalization(graph, layer, inputs, shapes):
    # At inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta,
    # folded into one scale and one shift per channel.
    axis = layer.axis % len(shapes[0])
    variance = _weight(layer, "moving_variance").astype(np.float64)
    scale = 1 / np.sqrt(variance + layer.epsilon)
    if layer.scale:
        scale = scale * _weight(layer, "gamma")
    shift = -_weight(layer, "moving_mean") * scale
    if layer.center:
        shift = shift + _weight(layer, "beta")
    shape = _channel_shape(shapes[0], {axis})
    value = graph.node("Mul", [inputs[0], graph.constant(f"{layer.name}/scale", scale.reshape(shape))], layer.name)
    return graph.node("Add", [value, graph.constant(f"{layer.name}/shift", shift.reshape(shape))], layer.name)


def _layer_normalization(graph, layer, inputs, shapes):
    rank = len(shapes[0])
    axes = sorted(axis % rank for axis in (layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]))
    x, name = inputs[0], layer.name
    centered = graph.node("Sub", [x, graph.node("ReduceMean", [x], name, axes=axes, keepdims=1)], name)
    variance = graph.node("ReduceMean", [graph.node("Mul", [centered, centered], name)], name, axes=axes, keepdims=1)
    deviation = graph.node(
        "Sqrt", [graph.node("Add", [variance, graph.constant(f"{name}/epsilon", layer.epsilon)], name)], name
    )
    value = graph.node("Div", [centered, deviation], name)
    shape = _channel_shape(shapes[0], set(axes))
    shape[0] = 1
    if layer.scale:
        value = graph.node(
            "Mul", [value, graph.constant(f"{name}/gamma", _weight(layer, "gamma").reshape(shape))], name
        )
    if layer.center:
        value = graph.node("Add", [value, graph.constant(f"{name}/beta", _weight(layer, "beta").reshape(shape))], name)
    return value


def _normalization(graph, layer, inputs, shapes):
    # As the layer computes it, in its dtype: (x - mean) / max(sqrt(variance), 1e-7), or back with invert.
    mean, variance = (np.asarray(backend.to_numpy(value)) for value in layer._statistics())
    std = np.maximum(np.sqrt(variance), np.asarray(1e-7, variance.dtype))
    mean, std = graph.constant(f"{layer.name}/mean", mean), graph.constant(f"{layer.name}/std", std)
    if layer.invert:
        return graph.node("Add", [graph.node("Mul", [inputs[0], std], layer.name), mean], layer.name)
    return graph.node("Div", [graph.node("Sub", [inputs[0], mean], layer.name), std], layer.name)


def _activation(graph, layer, inputs, shapes):
    return _with_activation(graph, layer, inputs[0])


def _identity(graph, layer, inputs, shapes):
    return inputs[0]


def _flatten(graph, layer, inputs, shapes):
    return graph.node("Flatten", [inputs[0]], layer.name, axis=1)


def _reshape(graph, layer, inputs, shapes):
    # 0 keeps the batch size as it comes.
    target = graph.constant(f"{layer.name}/shape", [0, *layer.target_shape], np.int64)
    return graph.node("Reshape", [inputs[0], target], layer.name)


def _embedding(graph, layer, inputs, shapes):
    indices = graph.node("Cast", [inputs[0]], layer.name, to=7)  # int64
    table = graph.constant(f"{layer.name}/embeddings", _weight(layer, "embeddings"))
    return graph.node("Gather", [table, indices], layer.name, axis=0)


def _rescaling(graph, layer, inputs, shapes):
    value = graph.node("Mul", [inputs[0], graph.constant(f"{layer.name}/scale", layer.scale)], layer.name)
    return graph.node("Add", [value, graph.constant(f"{layer.name}/offset", layer.offset)], layer.name)


def _zero_padding(graph, layer, inputs, shapes):
    (top, bottom), (left, right) = layer.padding
    rows = 1 if layer.data_format == "channels_last" else 2
    before, after = [0, 0, 0, 0], [0, 0, 0, 0]
    before[rows], before[rows + 1], after[rows], after[rows + 1] = top, left, bottom, right
    pads = graph.constant(f"{layer.name}/pads", before + after, np.int64)
    return graph.node("Pad", [inputs[0], pads], layer.name)


def _aligned(graph, layer, inputs, shapes) -> list[str]:
    """Keras's alignment of merged inputs: a lower rank gets axes of length 1 after the batch axis."""
    top = max(len(shape) for shape in shapes)
    aligned = []
    for value, shape in zip(inputs, shapes):
        if len(shape) < top:
            axes = graph.constant(f"{layer.name}/axes", list(range(1, 1 + top - len(shape))), np.int64)
            value = graph.node("Unsqueeze", [value, axes], layer.name)
        aligned.append(value)
    return aligned


_ELEMENTWISE = {
    layers.Add: "Sum",
    layers.Subtract: "Sub",
    layers.Multiply: "Mul",
    layers.Average: "Mean",
    layers.Maximum: "Max",
    layers.Minimum: "Min",
}


def _elementwise(graph, layer, inputs, shapes):
    values = _aligned(graph, layer, inputs, shapes)
    op_type = _ELEMENTWISE[type(layer)]
    if op_type == "Mul":  # Mul takes two inputs; the others take any number
        value = values[0]
        for other in values[1:]:
            value = graph.node("Mul", [value, other], layer.name)
        return value
    return graph.node(op_type, values, layer.name)


def _concatenate(graph, layer, inputs, shapes):
    return graph.node("Concat", inputs, layer.name, axis=layer.axis)


def _l2_normalize(graph, layer, value: str, axis: int) -> str:
    # Keras's l2_normalize: x / sqrt(max(sum(x**2), 1e-12)).
    squares = graph.node(
        "ReduceSum",
        [graph.node("Mul", [value, value], layer.name), graph.constant(f"{layer.name}/axis", [axis], np.int64)],
        layer.name,
        keepdims=1,
    )
    floor = graph.node("Max", [squares, graph.constant(f"{layer.name}/floor", 1e-12)], layer.name)
    return graph.node("Div", [value, graph.node("Sqrt", [floor], layer.name)], layer.name)


def _dot(graph, layer, inputs, shapes):
    axes = layer._axes_for(len(shapes[0]), len(shapes[1]))
    x, y = inputs
    if layer.normalize:
        x, y = _l2_normalize(graph, layer, x, axes[0]), _l2_normalize(graph, layer, y, axes[1])
    # batch_dot as an einsum: "a" is the batch axis, "z" the summed one.
    letters = iter("bcdefghijklmnopqrstuvwxy")
    left = ["a"] + ["z" if axis == axes[0] else next(letters) for axis in range(1, len(shapes[0]))]
    right = ["a"] + ["z" if axis == axes[1] else next(letters) for axis in range(1, len(shapes[1]))]
    result = "a" + "".join(letter for letter in left[1:] + right[1:] if letter != "z")
    value = graph.node("Einsum", [x, y], layer.name, equation=f"{''.join(left)},{''.join(right)}->{result}")
    if len(result) == 1:  # Keras gives a (batch, 1) column
        value = graph.node("Unsqueeze", [value, graph.constant(f"{layer.name}/axes", [1], np.int64)], layer.name)
    return value


CONVERTERS = {
    layers.Dense: _dense,
    layers.Conv1D: _conv,
    layers.Conv2D: _conv,
    layers.MaxPooling1D: _pooling,
    layers.MaxPooling2D: _pooling,
    layers.AveragePooling1D: _pooling,
    layers.AveragePooling2D: _pooling,
    layers.GlobalAveragePooling2D: _global_pooling,
    layers.GlobalMaxPooling2D: _global_pooling,
    layers.BatchNormalization: _batch_normalization,
    layers.LayerNormalization: _layer_normalization,
    layers.Normalization: _normalization,
    layers.Activation: _activation,
    layers.Softmax: _activation,
    layers.ReLU: _activation,
    layers.LeakyReLU: _activation,
    layers.ELU: _activation,
    layers.Dropout: _identity,
    layers.GaussianNoise: _identity,
    layers.Identity: _identity,
    layers.Flatten: _flatten,
    layers.Reshape: _reshape,
    layers.Embedding: _embedding,
    layers.Rescaling: _rescaling,
    layers.ZeroPadding2D: _zero_padding,
    layers.Concatenate: _concatenate,
    layers.Dot: _dot,
    **dict.fromkeys(_ELEMENTWISE, _elementwise),
    **onnx_recurrent.CONVERTERS,
}


def unsupported_reason(layer) -> str | None:
    """Why ``layer`` cannot be written to ONNX, or None when it can."""
    if isinstance(layer, RecurrentCell):
        return None  # written with the recurrent layer that runs it (or refused with it)
    if type(layer) not in CONVERTERS:
        return "no ONNX conversion"
    if getattr(layer, "mask_zero", False):
        return "mask_zero=True: ONNX has no masks, so the layers after it would compute something else"
    if type(layer) in onnx_recurrent.CONVERTERS:
        return onnx_recurrent.unsupported_reason(layer)
    activation = getattr(layer, "activation", None)
    if activation is not None and not onnx_activations.supports(activation):
        return f"activation {activation.name!r} has no ONNX conversion"
    return None
