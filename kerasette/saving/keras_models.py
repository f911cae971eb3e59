"""Model configs in Keras 3's form, both ways: Functional and subclassed models.

A ``config.json`` (or a legacy ``.h5``'s ``model_config``) names the model by class:

- ``Functional``: kerasette's Functional config (:mod:`kerasette.models.functional_config`:
  ``layers`` with ``inbound_nodes``, ``input_layers``, ``output_layers``) with each layer's
  entry translated by :mod:`~kerasette.saving.keras_layers`, as for a Sequential;
- a subclassed model: its class (registered with ``register_keras_serializable`` or passed
  in ``custom_objects``), the config of its ``get_config``, and ``build_config`` with the
  input shape it was built for; its layers are not in the config: the class makes them, and
  the weights find them by Keras's attribute walk (:mod:`~kerasette.saving.keras_weights`).

Sequential models keep their translation in :mod:`~kerasette.saving.keras_layers`.
"""

from __future__ import annotations

from kerasette import registry
from kerasette.layers import InputLayer, Layer
from kerasette.saving.keras_layers import (
    dtype_name,
    dtype_policy,
    from_keras_layer,
    kerasette_sequential_config,
    to_keras_layer,
)
from kerasette.saving.restore import model_class

FUNCTIONAL_MODULE = "keras.src.models.functional"


def _is_op(entry: dict) -> bool:
    return str(entry.get("module", "")).startswith("keras.src.ops")


def is_functional(model) -> bool:
    return type(model).__name__ == "Functional"


def keras_functional_config(model) -> dict:
    """The ``config`` of a Keras 3 Functional model equivalent to ``model``."""
    config = model.get_config()
    entries = []
    for operation, entry in zip(model.operations, config["layers"]):
        if isinstance(operation, Layer):
            entry = {**_keras_layer_entry(operation), "name": entry["name"], "inbound_nodes": entry["inbound_nodes"]}
        entries.append(entry)
    return {**config, "layers": entries}


def _keras_layer_entry(layer) -> dict:
    if is_functional(layer):
        return {
            "module": FUNCTIONAL_MODULE,
            "class_name": "Functional",
            "config": keras_functional_config(layer),
            "registered_name": "Functional",
        }
    if isinstance(layer, InputLayer):
        return _keras_input_layer(layer)
    return to_keras_layer(layer)


def _keras_input_layer(layer) -> dict:
    config = {"batch_shape": list(layer.input_shape), "dtype": layer.dtype, "sparse": False, "ragged": False}
    config.update({"name": layer.name, "optional": False})
    return {"module": "keras.layers", "class_name": "InputLayer", "config": config, "registered_name": None}


def kerasette_functional_config(config: dict, path: str) -> dict:
    """kerasette's Functional config for the ``config`` of a Keras 3 Functional model."""
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"filepath {path!r}: the Functional config needs {key!r}; it holds {sorted(config)}")
    entries = config["layers"]
    if not isinstance(entries, list):
        raise ValueError(f"filepath {path!r}: the Functional config's 'layers' is not a list")
    translated = []
    for entry in entries:
        if not isinstance(entry, dict) or "name" not in entry:
            raise ValueError(f"filepath {path!r}: a Functional layer entry needs a 'name'; received {entry!r}")
        if not _is_op(entry):
            if entry.get("class_name") == "Functional" and isinstance(entry.get("config"), dict):
                plain = {"class_name": "Functional", "config": kerasette_functional_config(entry["config"], path)}
            else:
                plain = from_keras_layer(entry, path)
            entry = {
                **plain,
                "registered_name": None,
                "name": entry["name"],
                "inbound_nodes": entry.get("inbound_nodes", []),
            }
        translated.append(entry)
    return {**config, "layers": translated}


# -- subclassed models -------------------------------------------------------------------------
def keras_subclassed_config(model) -> dict:
    """Keras 3's serialized form of a subclassed model: its class, and its ``get_config``."""
    cls = type(model)
    registered = registry.get_registered_name(cls)
    config = dict(model.get_config())
    config.pop("input_shape", None)
    config["dtype"] = dtype_policy(config.get("dtype"))
    entry = {
        # Keras writes no module for a class registered under a package name.
        "module": None if ">" in registered else cls.__module__,
        "class_name": cls.__name__,
        "config": config,
        "registered_name": registered,
    }
    if model.built and model.input_shape is not None:
        entry["build_config"] = {"input_shape": list(model.input_shape)}
    return entry


def subclassed_model_from_config(serialized: dict, path: str):
    """The subclassed model a Keras 3 ``config.json`` names, built for its saved input shape."""
    name = serialized.get("registered_name") or serialized.get("class_name")
    cls = registry.get_registered_object(name) if isinstance(name, str) else None
    if cls is None and isinstance(serialized.get("class_name"), str):
        cls = registry.get_registered_object(serialized["class_name"])
    if not _is_model_class(cls):
        raise ValueError(
            f"filepath {path!r}: config.json describes a model of class {name!r}, which is not a kerasette "
            "Model class known here; register it with keras.saving.register_keras_serializable or pass "
            "custom_objects={name: class}"
        )
    config = dict(serialized.get("config") or {})
    dtype = dtype_name(config.get("dtype"))
    config.pop("dtype", None)
    if dtype is not None:
        config["dtype"] = dtype
    try:
        model = cls.from_config(config)
        input_shape = (serialized.get("build_config") or {}).get("input_shape")
        if input_shape and not model.built:
            model.build(tuple(input_shape))
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"filepath {path!r}: cannot rebuild model {name!r} from its config ({error})") from None
    return model


def _is_model_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, registry.builtin_object("layer", "Model"))


def build_model(config: dict, path: str):
    """The model (new weights) of a Keras 3 model config: Sequential, Functional or subclassed."""
    class_name = config.get("class_name")
    if class_name == "Sequential":
        translated = kerasette_sequential_config(config["config"], path)
        try:
            model = model_class().from_config(translated)
            input_shape = (config.get("build_config") or {}).get("input_shape")
            if not model.built and input_shape:
                model.build(tuple(input_shape))
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"filepath {path!r}: cannot build the model config.json describes ({error})") from None
        return model
    if class_name == "Functional":
        translated = kerasette_functional_config(config["config"], path)
        try:
            return registry.builtin_object("layer", "Functional").from_config(translated)
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise ValueError(f"filepath {path!r}: cannot build the Functional model it describes ({error})") from None
    return subclassed_model_from_config(config, path)
