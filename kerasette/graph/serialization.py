"""A graph in Keras 3's config format: each layer's ``inbound_nodes``, and values in them.

A node is written as ``{'args': [...], 'kwargs': {...}}`` with each KerasTensor as
``{'class_name': '__keras_tensor__', 'config': {'shape', 'dtype', 'keras_history':
[layer name, node index, tensor index]}}`` (``keras/src/models/functional.py`` and
``saving/serialization_lib.py``); slices, Ellipsis, nested tuples and NumPy arrays have
Keras's special entries too.
"""

from __future__ import annotations

import numpy as np

from kerasette.graph.keras_tensor import KerasTensor
from kerasette.graph.node import inbound_nodes


def serialize_value(value, node_index_of):
    """``value`` (an argument of a call) as JSON-ready data; ``node_index_of(tensor)`` gives
    the index a tensor's node has in the saved graph."""
    if isinstance(value, KerasTensor):
        operation, _, tensor_index = value.keras_history
        history = [operation.name, node_index_of(value), tensor_index]
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": history},
        }
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [serialize_value(item, node_index_of) for item in value]
    if isinstance(value, tuple):
        items = [serialize_value(item, node_index_of) for item in value]
        return {"class_name": "__tuple__", "config": {"value": items}}
    if isinstance(value, dict):
        return {key: serialize_value(item, node_index_of) for key, item in value.items()}
    if isinstance(value, slice):
        parts = {"start": value.start, "stop": value.stop, "step": value.step}
        return {"class_name": "__slice__", "config": {k: serialize_value(v, node_index_of) for k, v in parts.items()}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    raise TypeError(
        f"cannot save the argument {value!r} of type {type(value).__name__} in a model config; expected "
        "tensors, numbers, strings, lists, tuples, dicts, slices or NumPy arrays"
    )


def deserialize_value(data, operations: dict):
    """The value :func:`serialize_value` wrote; a KerasTensor is looked up among the nodes of
    ``operations`` (name -> operation). Raises IndexError while its node does not exist yet."""
    if isinstance(data, list):
        return [deserialize_value(item, operations) for item in data]
    if not isinstance(data, dict):
        return data
    kind, config = data.get("class_name"), data.get("config")
    if kind == "__keras_tensor__":
        name, node_index, tensor_index = config["keras_history"]
        if name not in operations:
            raise ValueError(f"config: a node refers to the layer {name!r}, which the config does not define")
        nodes = inbound_nodes(operations[name])
        if node_index >= len(nodes):
            raise IndexError(f"layer {name!r} has no node {node_index} yet")
        return nodes[node_index].outputs[tensor_index]
    if kind == "__tuple__":
        return tuple(deserialize_value(item, operations) for item in config["value"])
    if kind == "__slice__":
        return slice(*(deserialize_value(config[key], operations) for key in ("start", "stop", "step")))
    if kind == "__ellipsis__":
        return Ellipsis
    if kind == "__numpy__":
        return np.asarray(config["value"], dtype=config["dtype"])
    return {key: deserialize_value(item, operations) for key, item in data.items()}
