"""kerasette's own HDF5 files: numeric datasets and JSON text attributes, never pickle,
laid out so that Keras 3 loads them too.

Model files (``model.save('m.h5')``), in Keras's legacy HDF5 layout:

- ``model_weights/<layer path>/<weight name>``: every weight, where the layer path of
  a layer inside a nested model is ``<model name>/<layer name>``; as Keras reads them,
  ``model_weights`` lists ``layer_names`` and each layer's group its ``weight_names``;
- ``optimizer_weights/iterations`` and ``optimizer_weights/slots/<weight path>/<slot>``:
  the optimizer's step count and per-variable state (compiled models), with the
  learning rate and ``weight_names`` in the order of Keras's ``optimizer.variables``;
- root attributes (JSON text): ``model_config`` (which Keras reads too), ``training_config``
  (for Keras), ``keras_version``, and kerasette's ``kerasette_format`` (``'model'``),
  ``kerasette_version``, ``weight_paths`` (the weights in model order),
  ``compile_config`` and ``optimizer_variable_paths``.

Weights files (``model.save_weights('w.weights.h5')``) use Keras 3's layout
(``layers/<group>/vars/<i>``, :mod:`~kerasette.saving.keras_weights`), with the root
attributes ``kerasette_format`` (``'weights'``), ``kerasette_version``, ``weight_paths``
and ``weight_datasets`` (where each of those weights is). Files written before kerasette
followed Keras's layouts (``model_weights/...`` alone) still load.

In both, ``sha256`` is a SHA-256 over every dataset and every other root attribute,
checked on every read, so that silent corruption is reported instead of loaded.
"""

from __future__ import annotations

import hashlib
import json

import h5py
import numpy as np

import kerasette
from kerasette import backend, losses, metrics, optimizers
from kerasette.saving import keras_weights
from kerasette.saving.hdf5_file import atomic_hdf5, attribute_text, json_attribute, read_dataset
from kerasette.saving.keras_archive import KERAS_VERSION, keras_loss
from kerasette.saving.restore import assign, compile_as_saved, match_weights, model_class, weighted_layers

_DIGEST_ATTRIBUTE = "sha256"


def _weight_datasets(model) -> tuple[dict, list[str]]:
    datasets, weight_paths = {}, []
    for layer_path, layer in weighted_layers(model):
        for name, value in layer.named_weights():
            weight_paths.append(f"{layer_path}/{name}")
            datasets[f"model_weights/{layer_path}/{name}"] = keras_weights.keras_array(layer, name, value)
    return datasets, weight_paths


def _trained_variable_paths(model) -> tuple[list, list[str]]:
    """The variables the optimizer updates, in its order, with their weight paths."""
    variables = model.training_plan().variables
    path_of = {
        id(value): f"{layer_path}/{name}"
        for layer_path, layer in weighted_layers(model)
        for name, value in layer.named_weights()
    }
    return variables, [path_of[id(variable)] for variable in variables]


def _optimizer_datasets(model) -> tuple[dict, list[str]]:
    optimizer = model.optimizer
    datasets = {"optimizer_weights/iterations": np.array(optimizer.iterations, dtype=np.int64)}
    variables, variable_paths = _trained_variable_paths(model)
    # Slots built for another set of variables would be rebuilt by the next step anyway.
    if len(optimizer.slots) != len(variables) or any(
        tuple(value.shape) != tuple(variable.shape)
        for slot, variable in zip(optimizer.slots, variables)
        for value in slot.values()
    ):
        return datasets, []
    for variable_path, slot in zip(variable_paths, optimizer.slots):
        for slot_name, value in slot.items():
            datasets[f"optimizer_weights/slots/{variable_path}/{slot_name}"] = np.ascontiguousarray(
                backend.to_numpy(value)
            )
    return datasets, variable_paths


def _digest(datasets: dict, attributes: dict) -> str:
    """SHA-256 over every dataset (path, dtype, shape, bytes) and every text attribute."""
    sha = hashlib.sha256()
    for name in sorted(attributes):
        value = attributes[name]
        shown = value if isinstance(value, str) else repr(value)
        sha.update(f"attribute\0{name}\0{shown}\0".encode())
    for name in sorted(datasets):
        array = np.ascontiguousarray(datasets[name])
        sha.update(f"dataset\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def write_model(model, path: str, overwrite: bool) -> None:
    """Architecture, weights and (for a compiled model) optimizer state, in one file."""
    datasets, weight_paths = _weight_datasets(model)
    attributes = {
        "kerasette_format": "model",
        "keras_version": KERAS_VERSION,
        "model_config": json.dumps({"class_name": "Sequential", "config": model.get_config()}),
        "weight_paths": json.dumps(weight_paths),
    }
    group_attributes = _legacy_layer_names(model, weight_paths)
    if model.loss is not None:
        identifiers = [metrics.compile_identifier(metric) for metric in model.compiled_metrics]
        attributes["compile_config"] = json.dumps(
            {
                "optimizer": optimizers.serialize(model.optimizer),
                "loss": losses.serialize(model.loss),
                "metrics": identifiers,
            }
        )
        attributes["training_config"] = json.dumps(
            {
                "loss": keras_loss(model.loss),
                "metrics": identifiers,
                "weighted_metrics": None,
                "loss_weights": None,
                "optimizer_config": optimizers.serialize(model.optimizer),
            }
        )
        optimizer_datasets, variable_paths = _optimizer_datasets(model)
        datasets.update(optimizer_datasets)
        attributes["optimizer_variable_paths"] = json.dumps(variable_paths)
        group_attributes["optimizer_weights"] = {
            "weight_names": _keras_optimizer_names(model, datasets, variable_paths)
        }
    _write_file(path, overwrite, attributes, datasets, group_attributes)


def _names(names: list[str]) -> np.ndarray:
    """A list of names as Keras's legacy files hold them: an array of UTF-8 byte strings."""
    return np.array([name.encode("utf-8") for name in names], dtype=bytes)


def _legacy_layer_names(model, weight_paths: list[str]) -> dict:
    """The ``layer_names`` and per-layer ``weight_names`` attributes Keras's legacy reader follows."""
    group_attributes = {"model_weights": {"layer_names": _names([layer.name for layer in model.layers])}}
    for layer in model.layers:
        prefix = f"{layer.name}/"
        weight_names = [weight[len(prefix) :] for weight in weight_paths if weight.startswith(prefix)]
        group_attributes[f"model_weights/{layer.name}"] = {"weight_names": _names(weight_names)}
    return group_attributes


def _keras_optimizer_names(model, datasets: dict, variable_paths: list[str]) -> np.ndarray:
    """``optimizer_weights``' datasets in the order of Keras's ``optimizer.variables``,
    adding the learning rate (and Nadam's momentum product), which only Keras reads."""
    names = []
    for key, array in keras_weights.optimizer_variables(model):
        if isinstance(key, tuple):
            index, slot = key
            name = f"slots/{variable_paths[index]}/{slot}" if variable_paths else None
        else:
            name = key
            datasets.setdefault(f"optimizer_weights/{name}", array)
        if name is not None:
            names.append(name)
    return _names(names)


def write_weights(model, path: str, overwrite: bool) -> None:
    """The weights alone, in Keras 3's layout, so that Keras's ``load_weights`` reads every layer."""
    datasets, groups, pairs = keras_weights.model_weight_entries(model)
    attributes = {
        "kerasette_format": "weights",
        "weight_paths": json.dumps([weight_path for weight_path, _ in pairs]),
        "weight_datasets": json.dumps([dataset for _, dataset in pairs]),
    }
    _write_file(path, overwrite, attributes, datasets, {group: {"name": name} for group, name in groups.items()})


def _write_file(path: str, overwrite: bool, attributes: dict, datasets: dict, group_attributes: dict) -> None:
    attributes = {"kerasette_version": kerasette.__version__, **attributes}
    attributes[_DIGEST_ATTRIBUTE] = _digest(datasets, attributes)
    with atomic_hdf5(path, overwrite) as file:
        for name, value in attributes.items():
            file.attrs[name] = value
        for group, values in group_attributes.items():
            for name, value in values.items():
                file.require_group(group).attrs[name] = value
        for name, array in datasets.items():
            file.create_dataset(name, data=array)


def read_checked_datasets(file: h5py.File, path: str) -> dict:
    """Every dataset of a kerasette file, after checking them against the stored SHA-256."""
    names = []
    file.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    datasets = {name: read_dataset(file[name], path) for name in names}
    attributes = {name: attribute_text(value) for name, value in file.attrs.items() if name != _DIGEST_ATTRIBUTE}
    stored = attribute_text(file.attrs.get(_DIGEST_ATTRIBUTE))
    if not isinstance(stored, str):
        raise ValueError(f"filepath {path!r}: missing {_DIGEST_ATTRIBUTE} attribute; cannot verify the data")
    if _digest(datasets, attributes) != stored:
        raise ValueError(
            f"filepath {path!r}: checksum mismatch: the contents differ from the SHA-256 stored "
            "when the file was saved, so the file is corrupted"
        )
    return datasets


def stored_weights(file: h5py.File, path: str, datasets: dict) -> list:
    """``(layer path, [array, ...])`` in file order, from verified datasets."""
    weight_paths = json_attribute(file.attrs, "weight_paths", path, list)
    if "weight_datasets" in file.attrs:  # Keras 3's layout, which says where each weight is
        locations = json_attribute(file.attrs, "weight_datasets", path, list)
        if len(locations) != len(weight_paths):
            raise ValueError(f"filepath {path!r}: weight_datasets and weight_paths differ in length")
    else:
        locations = [f"model_weights/{weight_path}" for weight_path in weight_paths]
    stored: dict[str, list] = {}
    for weight_path, key in zip(weight_paths, locations):
        if not isinstance(weight_path, str) or not isinstance(key, str) or key not in datasets:
            raise ValueError(f"filepath {path!r}: weight {weight_path!r} is listed in weight_paths but missing")
        # Keras keeps some weights as scalars that kerasette keeps as one-element arrays.
        stored.setdefault(weight_path.rpartition("/")[0], []).append(np.atleast_1d(datasets[key]))
    return list(stored.items())


def load_model(file: h5py.File, path: str, compile: bool):
    datasets = read_checked_datasets(file, path)
    config = json_attribute(file.attrs, "model_config", path, dict)
    if config.get("class_name") != "Sequential" or not isinstance(config.get("config"), dict):
        raise ValueError(
            f"filepath {path!r}: model_config describes a {config.get('class_name')!r}; expected a 'Sequential' model"
        )
    try:
        model = model_class().from_config(config["config"])
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(
            f"filepath {path!r}: model_config does not describe a model kerasette can build ({error})"
        ) from None
    assign(match_weights(path, stored_weights(file, path, datasets), model))
    if compile and "compile_config" in file.attrs:
        compile_config = json_attribute(file.attrs, "compile_config", path, dict)
        compile_as_saved(
            model, path, compile_config.get("optimizer"), compile_config.get("loss"), compile_config.get("metrics")
        )
        _restore_optimizer(model, path, datasets, json_attribute(file.attrs, "optimizer_variable_paths", path, list))
    return model


def _restore_optimizer(model, path: str, datasets: dict, saved_paths: list) -> None:
    optimizer = model.optimizer
    iterations = datasets.get("optimizer_weights/iterations")
    if iterations is None or iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
        raise ValueError(
            f"filepath {path!r}: optimizer_weights/iterations should be a non-negative integer; received {iterations!r}"
        )
    optimizer.iterations = int(iterations)
    variables, variable_paths = _trained_variable_paths(model)
    # The slots belong to the variables the saved model's optimizer was built for; when
    # trainable flags changed since, the rebuilt model trains others, and its optimizer
    # starts without slots, as the next step of the saved model would have rebuilt them.
    if not saved_paths or variable_paths != saved_paths:
        return
    optimizer.build(variables)
    slot_names = [name for name in datasets if name.startswith("optimizer_weights/slots/")]
    staged = []
    for variable_path, slot in zip(variable_paths, optimizer.slots):
        for slot_name, value in slot.items():
            key = f"optimizer_weights/slots/{variable_path}/{slot_name}"
            array = datasets.get(key)
            if array is None or tuple(array.shape) != tuple(value.shape):
                received = "nothing" if array is None else f"shape {tuple(array.shape)}"
                raise ValueError(
                    f"filepath {path!r}: optimizer slot '{variable_path}/{slot_name}' should have "
                    f"shape {tuple(value.shape)}; the file holds {received}"
                )
            staged.append((value, array))
    if len(staged) != len(slot_names):
        raise ValueError(
            f"filepath {path!r}: the file holds {len(slot_names)} optimizer slots; {optimizer.name} uses {len(staged)}"
        )
    assign(staged)
