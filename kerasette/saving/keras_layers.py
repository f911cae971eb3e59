"""Layer configs translated between kerasette and Keras 3, one table entry per layer class.

Keras 3's ``config.json`` (inside a ``.keras`` archive) describes each layer as
``{'module': 'keras.layers', 'class_name': ..., 'config': {...}, 'registered_name': None}``.
kerasette's layers take Keras's argument names, so most of a translation is copying the
arguments an entry lists; what an entry adds is which Keras-only arguments kerasette
lacks (written with Keras's defaults, and refused when a Keras file sets them otherwise).
The table itself (:data:`KERAS_LAYERS`) is :mod:`~kerasette.saving.keras_layer_table`.
"""

from __future__ import annotations

from kerasette import backend, registry
from kerasette.saving.keras_layer_table import COMMON_ARGUMENTS, KERAS_LAYERS, OBJECT_MODULES, SUPPORTED


def keras_object(serialized: dict, module: str) -> dict:
    """kerasette's ``{'class_name', 'config'}`` in Keras 3's form, with module and registered name."""
    class_name = serialized["class_name"]
    package, _, plain = class_name.rpartition(">")
    return {
        "module": module,
        "class_name": plain,
        "config": serialized["config"],
        "registered_name": class_name if package else None,
    }


def dtype_policy(dtype: str | None) -> dict:
    """Keras 3's serialized ``DTypePolicy`` for a layer of ``dtype`` (the float type when None)."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": dtype or backend.floatx()},
        "registered_name": None,
    }


def to_keras_layer(layer) -> dict:
    """Keras 3's serialized form of one kerasette layer (``'Sequential'`` recursively).

    >>> from kerasette import layers
    >>> entry = to_keras_layer(layers.Dense(2, activation='relu', input_shape=(3,)))
    >>> entry['module'], entry['config']['activation'], 'input_shape' in entry['config']
    ('keras.layers', 'relu', False)
    >>> from_keras_layer(entry, 'doc.keras')['config']['units']
    2
    """
    class_name = type(layer).__name__
    if class_name == "Sequential":
        return {
            "module": "keras",
            "class_name": "Sequential",
            "config": keras_sequential_config(layer),
            "registered_name": None,
            **({"build_config": {"input_shape": list(layer.input_shape)}} if layer.built else {}),
        }
    config = layer.get_config()
    entry = KERAS_LAYERS.get(class_name)
    if entry is None or registry.get_registered_name(type(layer)) != class_name:
        # A user layer: its own config, under its registered name, as Keras saves one.
        config.pop("input_shape", None)
        return keras_object(
            {"class_name": registry.get_registered_name(type(layer)), "config": config}, type(layer).__module__
        )
    keras_config = {
        "name": config["name"],
        "trainable": config["trainable"],
        "dtype": dtype_policy(config.get("dtype")),
    }
    if not entry.base_config:
        keras_config = {"name": config["name"], "dtype": config.get("dtype") or backend.floatx()}
    for argument in entry.arguments:
        keras_config[argument] = config[argument]
    for argument in entry.initializers:
        keras_config[argument] = keras_object(config[argument], "keras.initializers")
    for argument in entry.regularizers:
        value = config.get(argument)
        module = OBJECT_MODULES[argument.rpartition("_")[2]]
        keras_config[argument] = None if value is None else keras_object(value, module)
    for argument in entry.layers:
        keras_config[argument] = _map_layers(config[argument], lambda item: to_keras_layer(_deserialize_layer(item)))
    keras_config.update(entry.keras_only)
    serialized = {"module": "keras.layers", "class_name": class_name, "config": keras_config, "registered_name": None}
    if layer.built:
        serialized["build_config"] = _build_config(layer)
    return serialized


def _build_config(layer) -> dict:
    """Keras's ``build_config``: the input shape, or for a layer built from several shapes
    (MultiHeadAttention's query, value and key) those shapes by name, as Keras's build takes them."""
    shapes = getattr(layer, "build_shapes", None)
    if shapes is not None:
        return {"shapes_dict": {name: list(shape) for name, shape in shapes().items()}}
    return {"input_shape": list(layer.input_shape)}


def _map_layers(value, translate):
    """``translate`` applied to a serialized layer, or to each of a list of them (None stays None)."""
    if value is None:
        return None
    return [translate(item) for item in value] if isinstance(value, list) else translate(value)


def _deserialize_layer(serialized: dict):
    from kerasette import layers

    return layers.deserialize(serialized)


def _input_layer(shape, name: str, dtype: str | None = None) -> dict:
    config = {"batch_shape": [None, *shape], "dtype": dtype or backend.floatx(), "sparse": False, "ragged": False}
    config.update({"name": name, "optional": False})
    return {"module": "keras.layers", "class_name": "InputLayer", "config": config, "registered_name": None}


def keras_sequential_config(model) -> dict:
    """The ``config`` of a Keras 3 ``Sequential`` equivalent to ``model``.

    A first layer declaring ``input_shape`` becomes an ``InputLayer`` entry, as Keras 3
    itself records such a model.
    """
    layers, entries = model.sublayers, []
    for index, layer in enumerate(layers):
        if type(layer).__name__ == "InputLayer":
            entries.append(_input_layer(layer.declared_input_shape, layer.name))
            continue
        # Keras needs an InputLayer of dtype 'string' to feed strings to a text layer.
        input_dtype = getattr(layer, "input_dtype", None)
        if index == 0 and (layer.declared_input_shape is not None or (input_dtype and layer.built)):
            names = {other.name for other in layers}
            candidates = ["input_layer", *(f"input_layer_{number}" for number in range(1, len(names) + 2))]
            name = next(candidate for candidate in candidates if candidate not in names)
            shape = layer.declared_input_shape or layer.input_shape[1:]
            entries.append(_input_layer(shape, name, input_dtype))
        entries.append(to_keras_layer(layer))
    config = {"name": model.name, "trainable": model.trainable, "dtype": dtype_policy(None), "layers": entries}
    if model.built:
        config["build_input_shape"] = list(model.input_shape)
    return config


def plain_object(value):
    """A Keras object dict reduced to kerasette's ``{'class_name', 'config'}`` (nested ones too)."""
    if isinstance(value, dict) and "class_name" in value:
        name = value.get("registered_name") or value["class_name"]
        config = value.get("config")
        if isinstance(config, dict):
            config = {key: plain_object(item) for key, item in config.items()}
        return {"class_name": name, "config": config if config is not None else {}}
    return value


def _initializer(value, path: str, layer_name: str, argument: str):
    if isinstance(value, dict):
        plain = plain_object(value)
        # Keras 3.15 writes GlorotUniform(seed=None, input_axes=None, ...): unset means default.
        plain["config"] = {key: item for key, item in plain["config"].items() if item is not None}
        return plain
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"filepath {path!r}: layer {layer_name!r} has {argument}={value!r}; expected an initializer")


def _activation(value, path: str, layer_name: str):
    # Keras writes activations as names, or as {'class_name': 'function', 'config': name}.
    if isinstance(value, dict):
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    if value is not None and not isinstance(value, str):
        raise ValueError(f"filepath {path!r}: layer '{layer_name}' has activation {value!r}; expected a name")
    return value


def dtype_name(value):
    """The dtype a Keras ``DTypePolicy`` (or name) stands for; None for the float type."""
    if isinstance(value, dict):
        value = (value.get("config") or {}).get("name")
    return None if value in (None, backend.floatx()) else value


def from_keras_layer(serialized: dict, path: str) -> dict:
    """kerasette's ``{'class_name', 'config'}`` for one Keras 3 layer entry of ``config.json``."""
    if not isinstance(serialized, dict) or not isinstance(serialized.get("config"), dict):
        raise ValueError(
            f"filepath {path!r}: a layer entry should be a dict with a 'config' dict; received {serialized!r}"
        )
    class_name, config = serialized.get("class_name"), serialized["config"]
    name = config.get("name")
    if class_name == "Sequential":
        return {"class_name": "Sequential", "config": kerasette_sequential_config(config, path)}
    if class_name == "InputLayer":
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        if not isinstance(shape, list) or len(shape) < 2:
            raise ValueError(f"filepath {path!r}: InputLayer {name!r} has batch_shape {shape!r}; expected [None, ...]")
        text = {"dtype": "string"} if dtype_name(config.get("dtype")) == "string" else {}
        return {"class_name": "InputLayer", "config": {"name": name, "shape": shape[1:], **text}}
    entry = KERAS_LAYERS.get(class_name)
    if entry is None:
        for registered in (serialized.get("registered_name"), class_name):
            if isinstance(registered, str) and registry.get_registered_object(registered) is not None:
                return {"class_name": registered, "config": config}
        raise ValueError(
            f"filepath {path!r}: layer {name!r} is a Keras {class_name!r}, which kerasette cannot build; "
            f"kerasette reads {', '.join(SUPPORTED)} and classes registered with register_keras_serializable "
            "or passed as custom_objects"
        )
    known = {*COMMON_ARGUMENTS, *entry.arguments, *entry.initializers, *entry.regularizers, *entry.layers}
    for argument, value in config.items():
        if argument not in known and value != entry.keras_only.get(argument) and value not in (None, False):
            raise ValueError(
                f"filepath {path!r}: Keras layer {name!r} ({class_name}) sets {argument}={value!r}, which "
                f"kerasette's {class_name} does not support"
            )
    translated = {"name": name, "trainable": config.get("trainable", True)}
    dtype = dtype_name(config.get("dtype"))
    if dtype is not None:
        translated["dtype"] = dtype
    shape = config.get("batch_input_shape") or config.get("batch_shape")
    if shape:
        translated["input_shape"] = list(shape[1:])
    for argument in entry.arguments:
        if argument in config:
            value = config[argument]
            translated[argument] = _activation(value, path, name) if argument == "activation" else value
    for argument in entry.initializers:
        if argument in config:
            translated[argument] = _initializer(config[argument], path, name, argument)
    for argument in entry.regularizers:
        if config.get(argument) is not None:
            translated[argument] = plain_object(config[argument])
    for argument in entry.layers:
        if argument in config:
            translated[argument] = _map_layers(config[argument], lambda item: from_keras_layer(item, path))
    return {"class_name": class_name, "config": translated}


def _string_input(entry: dict) -> bool:
    return dtype_name(entry["config"].get("dtype")) == "string"


def kerasette_sequential_config(config: dict, path: str) -> dict:
    """kerasette's ``Sequential`` config for the ``config`` of a Keras 3 ``Sequential``."""
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"filepath {path!r}: the Sequential config has no list of layers")
    translated = {
        "name": config.get("name"),
        "trainable": config.get("trainable", True),
        "layers": [from_keras_layer(entry, path) for entry in layers],
    }
    first = translated["layers"][:2]
    if len(first) == 2 and first[0]["class_name"] == "InputLayer" and _string_input(layers[0]):
        # kerasette has no string InputLayer: the text layer after it declares the input shape.
        first[1]["config"]["input_shape"] = first[0]["config"]["shape"]
        del translated["layers"][0]
    if config.get("build_input_shape"):
        translated["build_input_shape"] = config["build_input_shape"]
    return translated
