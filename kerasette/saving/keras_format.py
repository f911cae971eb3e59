"""Files written by Keras: Keras 3 ``.weights.h5`` and legacy HDF5 models (``model.save('m.h5')``).

Legacy Sequential models of the layers :mod:`~kerasette.saving.keras_layers` translates
are rebuilt with their weights and, where kerasette has the same optimizer, loss and
metrics, compiled.
"""

from __future__ import annotations

import inspect

import h5py

from kerasette import losses, optimizers
from kerasette.layers import Layer
from kerasette.saving.hdf5_file import json_attribute, read_dataset, string_list_attribute
from kerasette.saving.keras_layers import plain_object
from kerasette.saving.keras_models import build_model
from kerasette.saving.keras_weights import read_vars_groups, stored_layer_weights
from kerasette.saving.restore import assign, compile_as_saved, match_weights

# Keras optimizer settings that change the update rule; kerasette's optimizers lack them.
_KERAS_OPTIMIZER_EXTRAS = ("decay", "use_ema", "loss_scale_factor", "gradient_accumulation_steps")


def legacy_weights(file: h5py.File, path: str) -> list:
    """``(layer name, [array, ...])`` of a legacy Keras file, in its ``layer_names`` order."""
    group = file["model_weights"] if "model_weights" in file else file
    stored = []
    for layer_name in string_list_attribute(group, "layer_names", path):
        if not isinstance(group.get(layer_name), h5py.Group):
            raise ValueError(f"filepath {path!r}: layer {layer_name!r} is listed in layer_names but missing")
        layer_group = group[layer_name]
        weight_names = string_list_attribute(layer_group, "weight_names", path)
        for weight_name in weight_names:
            if not isinstance(layer_group.get(weight_name), h5py.Dataset):
                raise ValueError(f"filepath {path!r}: weight {layer_name}/{weight_name} is listed but missing")
        if weight_names:
            stored.append((layer_name, [read_dataset(layer_group[name], path) for name in weight_names]))
    return stored


def keras3_weights(file: h5py.File, path: str, model: Layer) -> list:
    """``(group path, [array, ...])`` of a Keras 3 weights file, for the layers of ``model``."""
    variables, named = read_vars_groups(file, path)
    for group, datasets in named.items():
        if datasets:  # weights files carry no lookup state: kerasette reads it from .keras archives only
            raise ValueError(
                f"filepath {path!r}: {group} should hold datasets 0, 1, ...; received {sorted(file[group])}"
            )
    return stored_layer_weights(variables, model, path, "the Keras weights file")


def load_legacy_model(file: h5py.File, path: str, compile: bool):
    """The Sequential or Functional model a legacy Keras HDF5 file describes, with its weights."""
    config = json_attribute(file.attrs, "model_config", path, dict)
    if config.get("class_name") not in ("Sequential", "Functional") or not isinstance(config.get("config"), dict):
        raise ValueError(
            f"filepath {path!r}: the Keras model is a {config.get('class_name')!r}; kerasette reads Sequential "
            "and Functional models from legacy HDF5 files (a subclassed model: save it as '.keras')"
        )
    if config["class_name"] == "Sequential":
        config = {**config, "config": {"layers": [], **config["config"]}}
    model = build_model(config, path)
    assign(match_weights(path, legacy_weights(file, path), model))
    if compile and "training_config" in file.attrs:
        training_config = json_attribute(file.attrs, "training_config", path, dict)
        loss, metrics = training_config.get("loss"), training_config.get("metrics")
        if loss is not None:
            several = isinstance(loss, list)  # one loss and one list of metrics per output
            compile_as_saved(
                model,
                path,
                _keras_optimizer(training_config.get("optimizer_config"), path),
                [_keras_loss(item, path) for item in loss] if several else _keras_loss(loss, path),
                [_keras_metrics(item, path) for item in metrics or []] if several else _keras_metrics(metrics, path),
                training_config.get("loss_weights"),
            )
    return model


def _constructor_arguments(cls: type, config: dict) -> dict:
    accepted = inspect.signature(cls.__init__).parameters
    # Names and reductions keep kerasette's defaults (Keras 2 wrote reduction='auto').
    return {
        key: value
        for key, value in config.items()
        if key in accepted and key not in ("name", "reduction") and value is not None
    }


def _keras_optimizer(optimizer_config, path: str) -> optimizers.Optimizer:
    if not isinstance(optimizer_config, dict):
        raise ValueError(f"filepath {path!r}: training_config has no optimizer_config; pass compile=False")
    class_name = str(optimizer_config.get("class_name", ""))
    config = optimizer_config.get("config") or {}
    try:
        cls = type(optimizers.get(class_name))
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"filepath {path!r}: the Keras optimizer {class_name!r} has no kerasette counterpart ({error}); "
            "pass compile=False to load the model uncompiled"
        ) from None
    extras = [key for key in _KERAS_OPTIMIZER_EXTRAS if config.get(key)]
    if extras:
        raise ValueError(
            f"filepath {path!r}: the Keras optimizer uses {', '.join(extras)}, which kerasette's "
            f"{cls.__name__} lacks; pass compile=False to load the model uncompiled"
        )
    arguments = _constructor_arguments(cls, config)
    if isinstance(arguments.get("learning_rate"), dict):  # a schedule
        arguments["learning_rate"] = plain_object(arguments["learning_rate"])
    try:
        return cls.from_config(arguments)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"filepath {path!r}: cannot rebuild the Keras optimizer {class_name!r} ({error}); "
            "pass compile=False to load the model uncompiled"
        ) from None


def _keras_loss(loss, path: str) -> losses.Loss:
    if isinstance(loss, dict):
        class_name = loss.get("class_name")
        try:
            cls = type(losses.get(class_name))
        except (ValueError, TypeError):
            raise ValueError(
                f"filepath {path!r}: the Keras loss {class_name!r} has no kerasette counterpart; "
                "pass compile=False to load the model uncompiled"
            ) from None
        return cls(**_constructor_arguments(cls, loss.get("config") or {}))
    if not isinstance(loss, str):
        raise ValueError(
            f"filepath {path!r}: training_config holds the loss {loss!r}; expected a name; "
            "pass compile=False to load the model uncompiled"
        )
    return loss


def _keras_metrics(metrics, path: str) -> list[str]:
    names = []
    for metric in metrics or []:
        if isinstance(metric, dict):
            metric = (metric.get("config") or {}).get("name")
        if not isinstance(metric, str):
            raise ValueError(
                f"filepath {path!r}: training_config holds the metric {metric!r}; expected a name; "
                "pass compile=False to load the model uncompiled"
            )
        names.append(metric)
    return names
