"""``clone_model``: the same architecture with new layers (and new weights)."""

from __future__ import annotations

from kerasette.graph import KerasTensor, Operation, map_structure
from kerasette.layers import InputLayer, Layer


def _clone_layer(layer: Layer) -> Layer:
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model of the same structure whose layers are new (freshly initialized) copies.

    Args:
        model: A Functional or Sequential model.
        input_tensors: For a Functional model, KerasTensors to build the copy on instead of
            new ``keras.Input`` tensors (the structure of ``model.input``).
        clone_function: ``layer -> new layer``; ``type(layer).from_config(layer.get_config())``
            when None (``lambda layer: layer`` shares a layer with the original).

    Example:
    >>> import kerasette as keras
    >>> inputs = keras.Input((3,))
    >>> model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    >>> copy = clone_model(model)
    >>> copy.layers[1] is model.layers[1], copy.layers[1].get_config()['units']
    (False, 2)
    """
    from kerasette.models.functional import Functional
    from kerasette.models.sequential import Sequential

    clone_function = clone_function or _clone_layer
    if not callable(clone_function):
        raise TypeError(f"clone_function: expected a function of a layer; received {clone_function!r}")
    if isinstance(model, Sequential):
        if input_tensors is not None:
            raise ValueError("input_tensors: not supported for a Sequential model; received a value")
        layers = [
            _clone_layer(layer) if isinstance(layer, InputLayer) else clone_function(layer) for layer in model.sublayers
        ]
        clone = Sequential(layers, name=model.name, trainable=model.trainable)
        if not clone.built and model.built:
            clone.build(model.input_shape)
        return clone
    if not isinstance(model, Functional):
        raise TypeError(f"model: expected a Functional or Sequential model; received {type(model).__name__}")
    return _clone_functional(model, input_tensors, clone_function)


def _clone_functional(model, input_tensors, clone_function):
    from kerasette.models.functional import Functional

    new_tensors: dict[int, KerasTensor] = {}
    if input_tensors is not None:
        given = map_structure(lambda value: value, input_tensors)
        flat = [given] if isinstance(given, KerasTensor) else list(given.values() if isinstance(given, dict) else given)
        if len(flat) != len(model.inputs) or not all(isinstance(value, KerasTensor) for value in flat):
            raise ValueError(
                f"input_tensors: expected {len(model.inputs)} KerasTensors for the inputs "
                f"{[tensor.name for tensor in model.inputs]}; received {input_tensors!r}"
            )
        if isinstance(given, dict):
            flat = [given[key] for key in sorted(given)]
        new_tensors.update({id(old): new for old, new in zip(model.inputs, flat)})
    for old in model.inputs:
        if id(old) not in new_tensors:
            new_tensors[id(old)] = _clone_layer(old.keras_history.operation).output
    clones: dict[int, object] = {}
    for node in model._nodes:
        operation = node.operation
        if id(operation) not in clones:
            if isinstance(operation, Operation):
                clones[id(operation)] = Operation(operation.function, name=operation.name)
            else:
                clones[id(operation)] = clone_function(operation)
        args, kwargs = node.fill_in(new_tensors)
        outputs = clones[id(operation)](*args, **kwargs)
        for old, new in zip(node.outputs, _flat(outputs)):
            new_tensors[id(old)] = new

    def renew(tensor):
        return new_tensors[id(tensor)]

    inputs = map_structure(renew, model.input)
    outputs = map_structure(renew, model.output)
    return Functional(inputs, outputs, name=model.name, trainable=None if model.trainable else False)


def _flat(outputs) -> list:
    from kerasette.graph import flatten

    return flatten(outputs)
