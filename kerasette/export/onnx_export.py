"""``model.export(path, format="onnx")``: a Sequential or Functional model as an ONNX file.

Every layer is checked first (the one walk of layers, ``_flatten_layers``, plus the ops of
Functional graphs), so an unsupported one is refused by name before anything is written;
the model is then walked as it runs, a Sequential's chain or a Functional's nodes in
order (nested models inline), each layer's converter adding its nodes; the file is
checked by ``onnx.checker`` and written atomically.
"""

from __future__ import annotations

import numpy as np

from kerasette.atomic_write import atomic_write
from kerasette.export.onnx_graph import OnnxGraph
from kerasette.export.onnx_layers import CONVERTERS, unsupported_reason
from kerasette.graph import Operation
from kerasette.layers import InputLayer


def _is_model(layer) -> bool:
    from kerasette.models import Functional, Sequential

    return isinstance(layer, (Functional, Sequential))


def _refusals(model) -> list[str]:
    """``name (Class): why`` for each layer or op that cannot be written."""
    from kerasette.models import Functional, Model

    found = []
    for layer in model._flatten_layers():
        if isinstance(layer, Functional):
            ops = [node.operation for node in layer._nodes if isinstance(node.operation, Operation)]
            found += [f"{op.name} (op {op.function.__name__}): keras.ops calls have no ONNX conversion" for op in ops]
        elif isinstance(layer, Model) and not _is_model(layer):
            found.append(f"{layer.name} ({type(layer).__name__}): a subclassed model runs Python code of its own")
        elif not isinstance(layer, (InputLayer, Model)):
            reason = unsupported_reason(layer)
            if reason:
                found.append(f"{layer.name} ({type(layer).__name__}): {reason}")
    return found


def _emit_layer(graph: OnnxGraph, layer, inputs: list[str], shapes: list[tuple]) -> list[str]:
    if _is_model(layer):
        return _emit_model(graph, layer, inputs, shapes)
    return [CONVERTERS[type(layer)](graph, layer, inputs, shapes)]


def _emit_model(graph: OnnxGraph, model, inputs: list[str], shapes: list[tuple]) -> list[str]:
    """The values of ``model``'s outputs, computed from ``inputs`` by the model's layers."""
    from kerasette.models import Sequential

    if isinstance(model, Sequential):
        value, shape = inputs[0], shapes[0]
        for layer in model.layers:
            value = _emit_layer(graph, layer, [value], [shape])[0]
            shape = tuple(layer.compute_output_shape(shape))
        return [value]
    values = {id(tensor): value for tensor, value in zip(model.inputs, inputs)}
    for node in model._nodes:
        arguments = [values[id(tensor)] for tensor in node.input_tensors]
        results = _emit_layer(graph, node.operation, arguments, [tensor.shape for tensor in node.input_tensors])
        values.update({id(tensor): value for tensor, value in zip(node.outputs, results)})
    return [values[id(tensor)] for tensor in model.outputs]


def _element_type(dtype) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype or "float32"))


def _signature(model) -> tuple[list, list]:
    """``(name, element type, shape)`` of each graph input, and ``(name, shape)`` of each output."""
    from kerasette.models import Sequential

    if isinstance(model, Sequential):
        first = model._layers[0] if model._layers and isinstance(model._layers[0], InputLayer) else None
        input_name = first.name if first is not None else "inputs"
        inputs = [(input_name, _element_type(getattr(first, "dtype", None)), tuple(model.input_shape))]
        return inputs, [(model.layers[-1].name, tuple(model.output_shape))]
    inputs = [
        (tensor.keras_history.operation.name, _element_type(tensor.dtype), tuple(tensor.shape))
        for tensor in model.inputs
    ]
    return inputs, [(name, tuple(tensor.shape)) for name, tensor in zip(model.output_names, model.outputs)]


def export_onnx(model, filepath) -> None:
    """Write ``model`` (built, Sequential or Functional) to ``filepath`` as an ONNX model.

    The file's inputs are named after the model's InputLayers (dynamic batch axis
    ``"batch"``), its outputs after the layers that make them; run it with onnxruntime:
    ``InferenceSession(path).run(None, {input_name: x})``.
    """
    try:
        import onnx
    except ImportError as error:
        raise ImportError('export(format="onnx") needs onnx: pip install "kerasette[onnx]"') from error
    if not _is_model(model):
        raise TypeError(
            f"export: model '{model.name}' is a {type(model).__name__}; ONNX export takes Sequential and Functional "
            "models (a subclassed model's call is Python code)"
        )
    if not model.built:
        raise ValueError(f"export: model '{model.name}' is not built; call it on data or give it an input shape first")
    refused = _refusals(model)
    if refused:
        raise ValueError(
            f"export: model '{model.name}' has layers (or ops) that cannot be written to ONNX: " + "; ".join(refused)
        )
    graph = OnnxGraph()
    inputs, outputs = _signature(model)
    for name, _, _ in inputs:
        graph.fresh(name)
    values = _emit_model(graph, model, [name for name, _, _ in inputs], [shape for _, _, shape in inputs])
    float32 = _element_type("float32")
    outputs = [(graph.rename(value, name), float32, shape) for value, (name, shape) in zip(values, outputs)]
    proto = graph.to_model(model.name, inputs, outputs)
    with atomic_write(filepath) as temporary:
        onnx.save(proto, temporary)
