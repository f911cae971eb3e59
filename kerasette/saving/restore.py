"""Putting what a file holds back into a model: the model class, which stored weights go
to which layer (every shape checked before anything is written), and compiling as saved."""

from __future__ import annotations

from kerasette import backend, losses, optimizers, registry
from kerasette.layers import Layer
from kerasette.ops.tape import unwrap


def model_class() -> type:
    """The ``Sequential`` class, found through the registry: saving never imports models."""
    return registry.builtin_object("layer", "Sequential")


def is_model(value) -> bool:
    """Whether ``value`` is a kerasette model (a ``Model``: Sequential, Functional or subclassed)."""
    return isinstance(value, registry.builtin_object("layer", "Model"))


def weighted_layers(model: Layer, prefix: str = "") -> list[tuple[str, Layer]]:
    """``(layer path, layer)`` for every layer that owns weights, nested models expanded."""
    found = []
    for layer in model.sublayers:
        if "/" in layer.name:
            raise ValueError(f"layer name {layer.name!r} contains '/', which file paths reserve; rename the layer")
        if layer.sublayers:
            found.extend(weighted_layers(layer, f"{prefix}{layer.name}/"))
        elif layer.weights:
            found.append((prefix + layer.name, layer))
    return found


def match_weights(path: str, stored: list, model: Layer) -> list:
    """``(variable, array)`` pairs for every weight of ``model``, all shapes checked."""
    layers = weighted_layers(model)
    if len(stored) != len(layers):
        raise ValueError(
            f"filepath {path!r}: the file holds weights for {len(stored)} layers "
            f"{[label for label, _ in stored]}; model '{model.name}' has {len(layers)} layers with "
            f"weights {[layer_path for layer_path, _ in layers]}"
        )
    by_label = dict(stored)
    if set(by_label) == {layer_path for layer_path, _ in layers}:
        pairs = [(layer_path, layer, layer_path, by_label[layer_path]) for layer_path, layer in layers]
    else:
        pairs = [(layer_path, layer, label, weights) for (layer_path, layer), (label, weights) in zip(layers, stored)]
    assignments = []
    for layer_path, layer, label, weights in pairs:
        targets = layer.named_weights()
        if len(weights) != len(targets):
            raise ValueError(
                f"filepath {path!r}: layer '{layer_path}' has {len(targets)} weights "
                f"{[name for name, _ in targets]}; the file's layer '{label}' has {len(weights)}"
            )
        for (name, variable), array in zip(targets, weights):
            if variable.ndim == 0 and tuple(array.shape) == (1,):
                array = array.reshape(())  # a scalar weight is stored with one axis
            if tuple(array.shape) != tuple(variable.shape):
                source = "" if label == layer_path else f" (matched by position to the file's layer '{label}')"
                raise ValueError(
                    f"filepath {path!r}: weight '{layer_path}/{name}' has shape {tuple(array.shape)}, "
                    f"expected {tuple(variable.shape)}{source}"
                )
            assignments.append((variable, array))
    return assignments


def assign(assignments: list) -> None:
    """Write checked ``(variable, array)`` pairs (weights or optimizer slots) in place."""
    for variable, array in assignments:
        unwrap(variable)[...] = backend.to_device(array, variable.dtype)


def compile_as_saved(model, path: str, optimizer, loss, metrics, loss_weights=None) -> None:
    """``model.compile`` with the saved settings; a setting kerasette lacks names the file.

    ``loss`` is one loss identifier, or a list or dict of them (one per output)."""
    try:
        if isinstance(loss, list):
            loss = [None if item is None else losses.get(item) for item in loss]
        elif isinstance(loss, dict) and "class_name" not in loss:
            loss = {key: None if item is None else losses.get(item) for key, item in loss.items()}
        else:
            loss = losses.get(loss)
        model.compile(optimizer=optimizers.get(optimizer), loss=loss, loss_weights=loss_weights, metrics=metrics or [])
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(
            f"filepath {path!r}: cannot compile the model as saved ({error}); pass compile=False to load it uncompiled"
        ) from None
