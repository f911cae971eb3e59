"""``keras.saving.serialize_keras_object`` and ``deserialize_keras_object``: any kerasette
object (layer, optimizer, schedule, loss, metric, initializer, regularizer, constraint,
activation or loss function) to Keras 3's JSON-ready form and back.

The form is Keras 3's: ``{'module': 'keras.losses', 'class_name': 'MeanSquaredError',
'config': {...}, 'registered_name': None}``, a built-in function as ``{'module':
'builtins', 'class_name': 'function', 'config': 'relu', 'registered_name': 'function'}``,
lists and dicts element by element, plain values as they are. A layer uses the same
translation as ``.keras`` files (:mod:`~kerasette.saving.keras_layers`), so what Keras
writes for a layer kerasette reads, and the other way round. Classes of one's own are
found as in Keras: registered with ``register_keras_serializable`` or in ``custom_objects``.
"""

from __future__ import annotations

from kerasette import (
    activations,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    registry,
    regularizers,
)
from kerasette.activations.activation_function import ActivationFunction
from kerasette.optimizers import schedules
from kerasette.saving.keras_layers import from_keras_layer, keras_object, plain_object, to_keras_layer

# (Keras module, registry kind, base class), most specific first: a loss is not a metric.
_KINDS = (
    ("keras.optimizers.schedules", schedules.KIND, schedules.LearningRateSchedule),
    ("keras.optimizers", "optimizer", optimizers.Optimizer),
    ("keras.losses", "loss", losses.Loss),
    ("keras.metrics", "metric", metrics.Metric),
    ("keras.initializers", "initializer", initializers.Initializer),
    ("keras.regularizers", "regularizer", regularizers.Regularizer),
    ("keras.constraints", "constraint", constraints.Constraint),
)


def serialize_keras_object(obj):
    """``obj`` in Keras 3's serialized form (JSON-ready).

    >>> serialize_keras_object(regularizers.L2(0.1))
    {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.1}, 'registered_name': None}
    >>> serialize_keras_object(activations.relu)['config']
    'relu'
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, layers.Layer):
        return to_keras_layer(obj)
    for module, _, base in _KINDS:
        if isinstance(obj, base):
            return keras_object(registry.serialize(obj), module)
    if isinstance(obj, ActivationFunction):
        name = activations.serialize(obj)  # its Keras name; refused with non-default parameters
    elif callable(obj) and not isinstance(obj, type):
        name = registry.get_registered_name(obj)
    if callable(obj) and not isinstance(obj, type):
        if ">" in name:  # a function of one's own, registered: Keras writes its registered name
            return {"module": getattr(obj, "__module__", None), "class_name": name, "config": name,
                    "registered_name": name}  # fmt: skip
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    raise TypeError(
        f"obj: cannot serialize {obj!r} of type {type(obj).__name__}; expected a layer, optimizer, schedule, loss, "
        "metric, initializer, regularizer, constraint, function, or lists/dicts/plain values of them"
    )


def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True, **kwargs):
    """The object ``config`` (what :func:`serialize_keras_object` or Keras wrote) describes.

    ``safe_mode`` is accepted as Keras's; kerasette never loads code, so it is always safe.

    >>> deserialize_keras_object(serialize_keras_object(regularizers.L2(0.1))).l2
    0.1
    """
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    if isinstance(config, list):
        return [deserialize_keras_object(item, custom_objects) for item in config]
    if not isinstance(config, dict):
        return config
    class_name = config.get("class_name")
    if not isinstance(class_name, str):
        return {key: deserialize_keras_object(value, custom_objects) for key, value in config.items()}
    if class_name == "function" or config.get("registered_name") == config.get("config") and ">" in class_name:
        return _function(config.get("config"), custom_objects)
    module = config.get("module") or ""
    plain = plain_object(config)
    if module.startswith("keras.layers") or module == "keras" and class_name in ("Sequential", "Functional"):
        return registry.deserialize(
            "layer", "config", from_keras_layer(config, "<config>"), layers.Layer, custom_objects
        )
    found = registry.get_registered_object(plain["class_name"], custom_objects)
    for _, kind, _ in [kind for kind in _KINDS if kind[0] == module] or _KINDS:
        found = found or registry.builtin_table(kind).get(plain["class_name"])
    for _, kind, base in _KINDS:
        if isinstance(found, type) and issubclass(found, base):
            if kind == "initializer":  # Keras 3.15 writes input_axes=None, ...: unset means default
                plain["config"] = {key: value for key, value in plain["config"].items() if value is not None}
            return registry.deserialize(kind, "config", plain, base, custom_objects)
    if isinstance(found, type) and hasattr(found, "from_config"):
        return found.from_config(plain["config"])
    raise ValueError(
        f"config: cannot find the class {class_name!r} (module {module!r}); a class of your own must be registered "
        "with register_keras_serializable or passed as custom_objects={name: class}"
    )


def _function(name, custom_objects):
    if not isinstance(name, str):
        raise ValueError(f"config: a serialized function must name it; received {name!r}")
    found = registry.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    for module in (activations, losses, metrics):
        found = getattr(module, name, None)
        if callable(found) and not isinstance(found, type) and not name.startswith("_"):
            return found
    raise ValueError(f"config: no function named {name!r} among the activations, losses and metrics")
