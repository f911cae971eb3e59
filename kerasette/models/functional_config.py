"""A Functional model's config in Keras 3's format, both ways.

Each layer (or op) is written as Keras 3 serializes an object, plus its ``name`` and its
``inbound_nodes`` (:mod:`kerasette.graph.serialization`); ``input_layers`` and
``output_layers`` name ``[layer, node index, tensor index]`` (one more for a nested
Functional, as Keras 3 counts). Loading makes every layer, then calls each on its saved
arguments once the nodes those read exist (``keras/src/models/functional.py``).
"""

from __future__ import annotations

from kerasette import graph
from kerasette import layers as layers_module
from kerasette.graph import KerasTensor, Operation, inbound_nodes
from kerasette.graph.serialization import deserialize_value, serialize_value
from kerasette.layers import InputLayer
from kerasette.registry import get_registered_name


def functional_config(model) -> dict:
    """The config of ``model`` (a Functional)."""
    from kerasette.models.functional import Functional

    # A node's index among the nodes of its layer that belong to this model; input_layers and
    # output_layers count one more for a nested Functional, as Keras 3 writes them.
    own_index = {}
    for operation in model._operations:
        own = [node for node in inbound_nodes(operation) if id(node) in model._node_ids]
        for position, node in enumerate(own):
            own_index[id(node)] = position

    def node_index_of(tensor: KerasTensor) -> int:
        operation, node_index, _ = tensor.keras_history
        return own_index[id(inbound_nodes(operation)[node_index])]

    def endpoint(tensor: KerasTensor) -> list:
        operation, _, tensor_index = tensor.keras_history
        offset = 1 if isinstance(operation, Functional) else 0
        return [operation.name, node_index_of(tensor) + offset, tensor_index]

    layer_configs = []
    for operation in model._operations:
        entry = serialize_operation(operation)
        entry["name"] = operation.name
        entry["inbound_nodes"] = [
            {
                "args": [serialize_value(arg, node_index_of) for arg in node.call_args],
                "kwargs": serialize_value(node.call_kwargs, node_index_of),
            }
            for node in inbound_nodes(operation)
            if id(node) in model._node_ids and not node.is_input
        ]
        layer_configs.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": graph.map_structure(endpoint, model._inputs_struct),
        "output_layers": graph.map_structure(endpoint, model._outputs_struct),
    }


def serialize_operation(operation) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'[, 'build_config']}`` as Keras 3 writes an object."""
    if isinstance(operation, Operation):
        name = operation.class_name
        return {
            "module": "keras.src.ops",
            "class_name": name,
            "config": operation.get_config(),
            "registered_name": name,
        }
    cls = type(operation)
    registered = get_registered_name(cls)
    from kerasette.models.functional import Functional

    if isinstance(operation, Functional):
        module, registered = "keras.src.models.functional", "Functional"
    elif registered != cls.__name__:
        module = cls.__module__
    else:
        module, registered = ("keras" if cls.__name__ == "Sequential" else "keras.layers"), None
    entry = {
        "module": module,
        "class_name": cls.__name__,
        "config": operation.get_config(),
        "registered_name": registered,
    }
    if operation.built and not isinstance(operation, (Functional, InputLayer)) and operation.input_shape is not None:
        entry["build_config"] = {"input_shape": _jsonable_shape(operation.input_shape)}
    return entry


def _jsonable_shape(shape):
    return [_jsonable_shape(item) for item in shape] if isinstance(shape, (list, tuple)) else shape


def _op_functions() -> dict:
    from kerasette import ops

    return {graph.symbolic.class_name_of(function): function for function in map(ops.__dict__.get, ops.__all__)}


def deserialize_operation(entry: dict):
    """A layer or op from an entry of a config's ``layers``."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict) or "class_name" not in entry:
        raise ValueError(
            f"config: each entry of 'layers' must be a dict with 'class_name' and 'config'; received {entry!r}"
        )
    if str(entry.get("module", "")).startswith("keras.src.ops"):
        function = _op_functions().get(entry["class_name"])
        if function is None:
            raise ValueError(f"config: unknown op {entry['class_name']!r} in layer {entry.get('name')!r}")
        return Operation(function, name=entry["config"].get("name", entry.get("name")))
    class_name = entry.get("registered_name") or entry["class_name"]
    return layers_module.deserialize({"class_name": class_name, "config": entry["config"]})


def functional_from_config(cls, config: dict):
    """A Functional model (of class ``cls``) rebuilt from :func:`functional_config`'s output."""
    from kerasette.models.functional import Functional

    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"config: a Functional model's config needs {key!r}; received keys {sorted(config)}")
    operations, pending = {}, {}
    for entry in config["layers"]:
        operation = deserialize_operation(entry)
        name = entry.get("name", getattr(operation, "name", None))
        operations[name] = operation
        pending[name] = list(entry.get("inbound_nodes", []))
    # A node is made once the nodes it reads exist; a shared layer may wait on a later one.
    while any(pending.values()):
        progressed = False
        for name, nodes in pending.items():
            while nodes:
                data = nodes[0]
                if isinstance(data, list):
                    raise ValueError(f"config: layer {name!r} has inbound_nodes in the Keras 2 format, not supported")
                try:
                    args = deserialize_value(data.get("args", []), operations)
                    kwargs = deserialize_value(data.get("kwargs", {}), operations)
                except IndexError:
                    break
                operations[name](*args, **kwargs)
                nodes.pop(0)
                progressed = True
        if not progressed:
            waiting = {name: len(nodes) for name, nodes in pending.items() if nodes}
            raise ValueError(f"config: the graph cannot be rebuilt; nodes wait on layers that never run: {waiting}")

    def tensor_at(endpoint):
        if isinstance(endpoint, list) and len(endpoint) == 3 and isinstance(endpoint[0], str):
            name, node_index, tensor_index = endpoint
            if name not in operations:
                raise ValueError(f"config: input_layers/output_layers name an unknown layer {name!r}")
            operation = operations[name]
            node_index -= 1 if isinstance(operation, Functional) else 0
            return inbound_nodes(operation)[node_index].outputs[tensor_index]
        if isinstance(endpoint, dict):
            return {key: tensor_at(value) for key, value in endpoint.items()}
        return [tensor_at(value) for value in endpoint]

    return cls(
        inputs=tensor_at(config["input_layers"]),
        outputs=tensor_at(config["output_layers"]),
        name=config.get("name"),
        # True would unfreeze the layers the config froze one by one.
        trainable=None if config.get("trainable", True) else False,
    )
