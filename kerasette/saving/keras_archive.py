"""Keras 3's native ``.keras`` format: a zip archive that Keras 3 and kerasette both load.

Members, as Keras 3 writes them (stored, not compressed):

- ``metadata.json``: ``keras_version`` and ``date_saved``; kerasette adds a ``kerasette``
  entry (Keras ignores it) with a SHA-256 of each other member, checked on every read, so
  that a damaged archive is refused instead of loaded;
- ``config.json``: the model in Keras's serialization format (``module``, ``class_name``,
  ``config``, ``build_config``, ``compile_config``), layers translated by
  :mod:`~kerasette.saving.keras_layers`;
- ``model.weights.h5``: weights and optimizer state in Keras's layout
  (:mod:`~kerasette.saving.keras_weights`);
- ``assets/...``: the vocabularies of lookup layers (:mod:`~kerasette.saving.keras_assets`).

Members are read without pickle, each with a size limit, so that an archive declaring
absurd sizes (a "zip bomb") is refused before anything is decompressed.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile
import zlib

import h5py

import kerasette
from kerasette import losses, metrics, optimizers
from kerasette.atomic_write import atomic_write
from kerasette.saving import keras_assets
from kerasette.saving.hdf5_file import check_target, refuse_links
from kerasette.saving.keras_layers import (
    keras_object,
    keras_sequential_config,
    plain_object,
)
from kerasette.saving.keras_models import (
    FUNCTIONAL_MODULE,
    build_model,
    is_functional,
    keras_functional_config,
    keras_subclassed_config,
)
from kerasette.saving.keras_weights import (
    match_groups,
    model_weight_entries,
    optimizer_entries,
    read_vars_groups,
    restore_optimizer,
    stored_layer_weights,
    write_entries,
)
from kerasette.saving.restore import assign, compile_as_saved, model_class

METADATA, CONFIG, WEIGHTS = "metadata.json", "config.json", "model.weights.h5"
# The Keras release whose .keras layout this follows (written as metadata's keras_version).
KERAS_VERSION = "3.15.1"
ZIP_MAGIC = b"PK\x03\x04"
_MAX_JSON_BYTES = 64 << 20
_MAX_WEIGHTS_BYTES = 16 << 30
# A compressed member may expand this much at most (Keras's own guard uses the same idea).
_MAX_EXPANSION = 100


def is_zip_archive(path: str) -> bool:
    """Whether the file starts like a zip archive (a ``.keras`` file, even a truncated one)."""
    with open(path, "rb") as handle:
        return handle.read(4) == ZIP_MAGIC


# -- writing -----------------------------------------------------------------------------------
def keras_loss(loss):
    """A loss by its Keras name when it has its defaults (as a Keras user compiles), else its config."""
    try:
        if losses.serialize(losses.get(loss.name)) == losses.serialize(loss):
            return loss.name
    except (ValueError, TypeError):
        pass
    return keras_object(losses.serialize(loss), "keras.losses")


def _keras_optimizer(optimizer) -> dict:
    serialized = keras_object(optimizers.serialize(optimizer), "keras.optimizers")
    rate = serialized["config"].get("learning_rate")
    if isinstance(rate, dict):
        serialized["config"] = {
            **serialized["config"],
            "learning_rate": keras_object(rate, "keras.optimizers.schedules"),
        }
    return serialized


def compile_config(model) -> dict:
    """Keras 3's ``compile_config`` for a compiled model (a loss, weight and metrics per output
    for a model of several, as lists in output order)."""
    outputs = model.compiled_outputs
    if outputs:
        loss = [None if output.loss is None else keras_loss(output.loss) for output in outputs]
        loss_weights = [output.weight for output in outputs]
        metric_lists = [output.metrics for output in outputs]
    else:
        loss, loss_weights, metric_lists = keras_loss(model.loss), None, [model.compiled_metrics]
    identifiers = [[_keras_metric(metric) for metric in metric_list] for metric_list in metric_lists]
    return {
        "optimizer": _keras_optimizer(model.optimizer),
        "loss": loss,
        "loss_weights": loss_weights,
        "metrics": identifiers if outputs else identifiers[0],
        "weighted_metrics": None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def _keras_metric(metric):
    identifier = metrics.compile_identifier(metric)
    return keras_object(identifier, "keras.metrics") if isinstance(identifier, dict) else identifier


def model_config(model) -> dict:
    """``config.json``: the model as Keras 3 serializes it (Sequential, Functional or subclassed).

    >>> from kerasette import Sequential, layers
    >>> config = model_config(Sequential([layers.Dense(2, input_shape=(3,))]))
    >>> [layer['class_name'] for layer in config['config']['layers']], config['build_config']
    (['InputLayer', 'Dense'], {'input_shape': [None, 3]})
    """
    if isinstance(model, model_class()):
        config = {
            "module": "keras",
            "class_name": "Sequential",
            "config": keras_sequential_config(model),
            "registered_name": None,
        }
        if model.built:
            config["build_config"] = {"input_shape": list(model.input_shape)}
    elif is_functional(model):
        config = {
            "module": FUNCTIONAL_MODULE,
            "class_name": "Functional",
            "config": keras_functional_config(model),
            "registered_name": "Functional",
            "build_config": {"input_shape": None},
        }
    else:
        config = keras_subclassed_config(model)
    if model.optimizer is not None:
        config["compile_config"] = compile_config(model)
    return config


def weights_file(model) -> bytes:
    """``model.weights.h5``: weights, and for a compiled model the optimizer's variables."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        datasets, groups, _ = model_weight_entries(model)
        idf_datasets, idf_groups = keras_assets.idf_datasets(model)
        datasets, groups = {**datasets, **idf_datasets}, {**groups, **idf_groups}
        if model.optimizer is not None:
            optimizer_datasets, optimizer_groups = optimizer_entries(model)
            datasets, groups = {**datasets, **optimizer_datasets}, {**groups, **optimizer_groups}
        write_entries(file, datasets, groups)
    return buffer.getvalue()


def write_archive(model, path: str, overwrite: bool) -> None:
    """Write ``model`` as a ``.keras`` archive, atomically."""
    check_target(path, overwrite)
    members = {
        CONFIG: json.dumps(model_config(model)).encode(),
        WEIGHTS: weights_file(model),
    }
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "kerasette": {
            "version": kerasette.__version__,
            "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
        },
    }
    with atomic_write(path, ".tmp") as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, json.dumps(metadata))
            for name, data in {**members, **keras_assets.asset_members(model)}.items():
                archive.writestr(name, data)


# -- reading -----------------------------------------------------------------------------------
def _read_member(archive: zipfile.ZipFile, name: str, path: str) -> bytes:
    info = archive.getinfo(name)
    limit = _MAX_WEIGHTS_BYTES if name == WEIGHTS else _MAX_JSON_BYTES
    if info.file_size > limit or (
        info.file_size > (1 << 20) and info.file_size > _MAX_EXPANSION * max(info.compress_size, 1)
    ):
        raise ValueError(
            f"filepath {path!r}: archive member {name!r} declares {info.file_size} bytes from "
            f"{info.compress_size} stored (at most {limit} bytes and {_MAX_EXPANSION}x expansion are "
            "accepted); refusing a possible zip bomb"
        )
    with archive.open(name) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ValueError(f"filepath {path!r}: archive member {name!r} is not the size its header declares")
    return data


def _json_member(data: bytes, name: str, path: str) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"filepath {path!r}: {name} is not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise ValueError(f"filepath {path!r}: {name} should hold a JSON object; received {str(value)[:80]!r}")
    return value


def read_archive(path: str) -> tuple[dict, dict, dict, dict]:
    """``(config, {vars group path: [array, ...]}, {vars group path: {name: array}}, {asset
    member: bytes})`` of a ``.keras`` archive, all checks done."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            missing = [name for name in (CONFIG, WEIGHTS) if name not in names]
            if missing:
                raise ValueError(
                    f"filepath {path!r}: not an HDF5 file nor a complete Keras 3 .keras zip archive: it lacks "
                    f"{', '.join(missing)} (its members are {sorted(names)[:10]})"
                )
            members = {name: _read_member(archive, name, path) for name in (METADATA, CONFIG, WEIGHTS) if name in names}
            assets = {name: _read_member(archive, name, path) for name in names if name.startswith("assets/")}
    # NotImplementedError and RuntimeError: compression methods and encryption zipfile lacks.
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise ValueError(f"filepath {path!r}: truncated or damaged .keras archive ({error})") from None
    metadata = _json_member(members[METADATA], METADATA, path) if METADATA in members else {}
    _verify_digests(metadata.get("kerasette"), members, path)
    variables, named = _read_variables(members[WEIGHTS], path)
    return _json_member(members[CONFIG], CONFIG, path), variables, named, assets


def _verify_digests(record, members: dict, path: str) -> None:
    if record is None:
        return  # written by Keras, which records no digest; the zip's CRC-32 still guards it
    digests = record.get("sha256") if isinstance(record, dict) else None
    if not isinstance(digests, dict) or set(digests) != {CONFIG, WEIGHTS}:
        raise ValueError(f"filepath {path!r}: metadata.json's kerasette entry lacks the SHA-256 of each member")
    for name in (CONFIG, WEIGHTS):
        if hashlib.sha256(members[name]).hexdigest() != digests[name]:
            raise ValueError(
                f"filepath {path!r}: checksum mismatch: {name} differs from the SHA-256 stored when the "
                "archive was saved, so the file is corrupted"
            )


def _read_variables(data: bytes, path: str) -> tuple[dict, dict]:
    """Every ``.../vars`` group of ``model.weights.h5`` (:func:`~kerasette.saving.keras_weights.read_vars_groups`)."""
    try:
        with h5py.File(io.BytesIO(data), "r") as file:
            refuse_links(file, path)
            return read_vars_groups(file, path)
    except (OSError, KeyError, RuntimeError, TypeError) as error:
        raise ValueError(f"filepath {path!r}: damaged {WEIGHTS} in the archive ({error})") from None


def archive_weights(path: str, model) -> list:
    """What ``load_weights`` takes from a ``.keras`` archive."""
    variables = read_archive(path)[1]
    return stored_layer_weights(variables, model, path, "the archive")


def load_archive(path: str, compile: bool):
    """The model a ``.keras`` archive describes, with its weights, vocabularies and optimizer state."""
    config, variables, named, assets = read_archive(path)
    if not isinstance(config.get("config"), dict):
        raise ValueError(f"filepath {path!r}: config.json has no 'config' object for the model")
    model = build_model(config, path)
    assign(match_groups(path, stored_layer_weights(variables, model, path, "the archive"), model))
    keras_assets.restore(model, named, assets, path)
    settings = config.get("compile_config")
    if compile and isinstance(settings, dict) and settings.get("loss") is not None:
        compile_from_config(model, path, settings)
        if variables.get("optimizer/vars"):
            restore_optimizer(model, variables["optimizer/vars"], path)
    return model


def compile_from_config(model, path: str, settings: dict) -> None:
    """Compile ``model`` as Keras 3's ``compile_config`` says (one loss, or one per output)."""
    if settings.get("weighted_metrics"):
        raise ValueError(
            f"filepath {path!r}: the model was compiled with weighted_metrics={settings['weighted_metrics']!r}, "
            "which kerasette cannot restore from a file; pass compile=False to load it uncompiled"
        )
    loss, metrics_list = settings["loss"], settings.get("metrics") or []
    if not isinstance(loss, (str, dict, list)) or not isinstance(metrics_list, (list, dict)):
        raise ValueError(
            f"filepath {path!r}: compile_config holds loss={loss!r} and metrics={metrics_list!r}; expected a loss "
            "(or a list or dict of them) and a list of metrics; pass compile=False to load the model uncompiled"
        )
    compile_as_saved(
        model,
        path,
        plain_object(settings.get("optimizer")),
        _plain_structure(loss),
        _plain_structure(metrics_list),
        settings.get("loss_weights"),
    )


def _plain_structure(value):
    """:func:`plain_object` of each leaf of a list or a dict of output names (a Keras object is a leaf)."""
    if isinstance(value, list):
        return [_plain_structure(item) for item in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {key: _plain_structure(item) for key, item in value.items()}
    return plain_object(value)
