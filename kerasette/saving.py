"""Saving and loading models and weights: HDF5 files through h5py, never pickle.

A kerasette file holds only numeric datasets and text attributes:

- ``model_weights/<layer path>/<weight name>``: every weight, where the layer path of
  a layer inside a nested model is ``<model name>/<layer name>``;
- ``optimizer_weights/iterations`` and ``optimizer_weights/slots/<weight path>/<slot>``:
  the optimizer's step count and per-variable state (model files of compiled models);
- root attributes (JSON text): ``kerasette_format`` (``'model'`` or ``'weights'``),
  ``kerasette_version``, ``weight_paths`` (the weights in model order), and in model
  files ``model_config``, ``compile_config`` and ``optimizer_variable_paths``;
- ``sha256``: a SHA-256 over every dataset and every other root attribute, checked on
  every read, so that silent corruption is reported instead of loaded.

Files are written to a temporary file in the target's directory, synced, and renamed
over the target, so a failure part-way leaves the previous file untouched.

Keras files are read too: weights written by Keras 3's ``model.save_weights``
(``.weights.h5``) and legacy HDF5 models from ``model.save('model.h5')`` made of
Dense, Dropout, Flatten, Activation and Softmax layers.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os

import h5py
import numpy as np

import kerasette
from kerasette import backend, losses, optimizers
from kerasette.layers import Activation, Dense, Dropout, Flatten, InputLayer, Layer, Softmax
from kerasette.layers.layer import _snake_case
from kerasette.models import Sequential
from kerasette.utils import check_path, new_file_beside

WEIGHTS_SUFFIX = ".weights.h5"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
LOAD_WEIGHTS_SUFFIXES = (WEIGHTS_SUFFIX, ".h5", ".hdf5", ".keras")
_DIGEST_ATTRIBUTE = "sha256"
# HDF5 skips a "user block" at the start of a file; ours holds a SHA-256 of the rest of the
# file, checked before libhdf5 parses anything (it can loop forever on damaged structures).
_USER_BLOCK_SIZE = 512
_FILE_DIGEST_MARKER = b"kerasette-file-sha256:"
_KERAS_LAYERS = ("InputLayer", "Dense", "Dropout", "Flatten", "Activation", "Softmax")
# Keras optimizer settings that change the update rule; kerasette's optimizers lack them.
_KERAS_OPTIMIZER_EXTRAS = ("weight_decay", "decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                           "loss_scale_factor", "gradient_accumulation_steps")


# -- public API ---------------------------------------------------------------------------
def save_model(model: Sequential, filepath, overwrite: bool = True) -> None:
    """Save a model's architecture, weights and optimizer state to one HDF5 file.

    Args:
        model: The ``Sequential`` model to save.
        filepath: Path ending in ``.keras``, ``.h5`` or ``.hdf5`` (the content is
            kerasette's HDF5 layout whatever the suffix).
        overwrite: Whether to replace an existing file; if False and the file exists,
            a ``FileExistsError`` is raised.

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(2, input_shape=(3,))])
    >>> model.compile(optimizer='adam', loss='mse')
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, 'model.h5')
    ...     save_model(model, path)
    ...     restored = load_model(path)
    >>> x = np.ones((1, 3))
    >>> np.array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    True
    >>> restored.optimizer.get_config() == model.optimizer.get_config()
    True
    """
    _check_model(model, "save_model")
    path = check_path("filepath", filepath)
    check_suffix(path, MODEL_SUFFIXES, "save_model")
    datasets, weight_paths = _weight_datasets(model)
    attributes = {"kerasette_format": "model",
                  "model_config": json.dumps({"class_name": "Sequential", "config": model.get_config()}),
                  "weight_paths": json.dumps(weight_paths)}
    if model.loss is not None:
        attributes["compile_config"] = json.dumps({
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": losses.serialize(model.loss),
            "metrics": [metric.name for metric in model.compiled_metrics]})
        optimizer_datasets, variable_paths = _optimizer_datasets(model)
        datasets.update(optimizer_datasets)
        attributes["optimizer_variable_paths"] = json.dumps(variable_paths)
    _write_file(path, overwrite, attributes, datasets)


def load_model(filepath, compile: bool = True) -> Sequential:
    """Rebuild a model saved by :func:`save_model` (or a legacy Keras ``.h5`` model).

    The restored model predicts bit-identically, and with ``compile=True`` it is
    compiled with the saved optimizer, loss and metrics and carries on training from the
    saved optimizer state (step count and slots).

    Args:
        filepath: Path of the file.
        compile: Whether to compile the model as it was compiled when saved.

    Returns:
        The rebuilt ``Sequential`` model.

    Raises:
        FileNotFoundError: No file at ``filepath``.
        ValueError: The file is not HDF5, is truncated or corrupted (checksum mismatch),
            or does not describe a model kerasette can build.

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(4, activation='relu', input_shape=(3,)), layers.Dense(1)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model.save(os.path.join(folder, 'model.keras'))
    ...     restored = load_model(os.path.join(folder, 'model.keras'), compile=False)
    >>> [layer.name for layer in restored.layers] == [layer.name for layer in model.layers]
    True
    """
    path = check_path("filepath", filepath)
    with _open_for_reading(path) as file:
        layout = _layout(file)
        if layout == "kerasette" and "model_config" in file.attrs:
            return _load_kerasette_model(file, path, compile)
        if layout == "keras_legacy" and "model_config" in file.attrs:
            return _load_keras_legacy_model(file, path, compile)
        if layout != "unknown":
            raise ValueError(f"filepath {path!r}: missing model_config attribute; this file holds weights only: "
                             "build the model and call model.load_weights(filepath) instead")
        raise ValueError(f"filepath {path!r}: missing model_config attribute; not a kerasette or Keras model "
                         f"file (its top-level entries are {sorted(file)})")


def save_weights(model: Sequential, filepath, overwrite: bool = True) -> None:
    """Save a model's weights (nothing else) to an HDF5 file ending in ``.weights.h5``.

    Args:
        model: The ``Sequential`` model whose weights to save.
        filepath: Path ending in ``.weights.h5``, as Keras 3 requires.
        overwrite: Whether to replace an existing file.

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> source = Sequential([layers.Dense(2, input_shape=(3,))])
    >>> target = Sequential([layers.Dense(2, input_shape=(3,))])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_weights(source, os.path.join(folder, 'mlp.weights.h5'))
    ...     load_weights(target, os.path.join(folder, 'mlp.weights.h5'))
    >>> all(np.array_equal(a, b) for a, b in zip(source.get_weights(), target.get_weights()))
    True
    """
    _check_model(model, "save_weights")
    path = check_path("filepath", filepath)
    check_suffix(path, (WEIGHTS_SUFFIX,), "save_weights")
    datasets, weight_paths = _weight_datasets(model)
    _write_file(path, overwrite, {"kerasette_format": "weights", "weight_paths": json.dumps(weight_paths)},
                datasets)


def load_weights(model: Sequential, filepath) -> None:
    """Load weights into a built model from a kerasette or Keras HDF5 file.

    Layers are matched by name when the file's layer names are exactly the model's,
    otherwise by order. Every layer count and shape is checked before any weight is
    written, so a refused file leaves the model unchanged.

    Reads files from :func:`save_weights` and :func:`save_model`, Keras 3
    ``.weights.h5`` files (layers matched by position, as Keras does) and legacy Keras
    ``.h5`` files.

    Args:
        model: A built ``Sequential`` model with the same layers as the saved one.
        filepath: Path ending in ``.weights.h5`` (or ``.h5``, ``.hdf5``, ``.keras``).

    Raises:
        FileNotFoundError: No file at ``filepath``.
        ValueError: Wrong suffix; unreadable, corrupted or foreign file; or a layer
            count or weight shape that does not match the model.

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> small = Sequential([layers.Dense(2, input_shape=(3,))])
    >>> large = Sequential([layers.Dense(5, input_shape=(3,))])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     small.save_weights(os.path.join(folder, 'small.weights.h5'))
    ...     try:
    ...         large.load_weights(os.path.join(folder, 'small.weights.h5'))
    ...     except ValueError as error:
    ...         print('refused:', 'has shape (3, 2), expected (3, 5)' in str(error))
    refused: True
    """
    _check_model(model, "load_weights")
    path = check_path("filepath", filepath)
    check_suffix(path, LOAD_WEIGHTS_SUFFIXES, "load_weights")
    if not model.built:
        raise ValueError(f"load_weights: model '{model.name}' has not been built yet, so it has no weights to "
                         "load into; give the first layer an input_shape or call model.build(...) first")
    with _open_for_reading(path) as file:
        layout = _layout(file)
        if layout == "kerasette":
            stored = _kerasette_weights(file, path, _read_verified(file, path))
        elif layout == "keras_legacy":
            stored = _keras_legacy_weights(file, path)
        elif layout == "keras_weights":
            stored = _keras3_weights(file, path, model)
        else:
            raise ValueError(f"filepath {path!r}: not a kerasette or Keras weights file: no model_weights or layers "
                             f"group (its top-level entries are {sorted(file)})")
    _assign(_match_weights(path, stored, model))


# -- checks of arguments --------------------------------------------------------------------
def _check_model(model, function: str) -> None:
    if not isinstance(model, Sequential):
        raise TypeError(f"{function}: model must be a kerasette Sequential; received {type(model).__name__}")


def check_suffix(path: str, suffixes: tuple[str, ...], function: str) -> None:
    """Refuse a file name without one of ``suffixes``, naming the function and the path."""
    if not path.endswith(suffixes):
        raise ValueError(f"{function}: filepath must end in {' or '.join(repr(s) for s in suffixes)}; "
                         f"received {path!r}")


# -- writing ------------------------------------------------------------------------------------
def _weighted_layers(model: Sequential, prefix: str = "") -> list[tuple[str, Layer]]:
    """``(layer path, layer)`` for every layer that owns weights, nested models expanded."""
    found = []
    for layer in model._layers:
        if "/" in layer.name:
            raise ValueError(f"layer name {layer.name!r} contains '/', which file paths reserve; rename the layer")
        if isinstance(layer, Sequential):
            found.extend(_weighted_layers(layer, f"{prefix}{layer.name}/"))
        elif layer.params:
            found.append((prefix + layer.name, layer))
    return found


def _weight_datasets(model: Sequential) -> tuple[dict, list[str]]:
    datasets, weight_paths = {}, []
    for layer_path, layer in _weighted_layers(model):
        for name, value in layer.params.items():
            weight_paths.append(f"{layer_path}/{name}")
            datasets[f"model_weights/{layer_path}/{name}"] = np.ascontiguousarray(backend.to_numpy(value))
    return datasets, weight_paths


def _trained_variable_paths(model: Sequential) -> tuple[list, list[str]]:
    """The variables the optimizer updates, in its order, with their weight paths."""
    variables = model._training_plan()[0]
    path_of = {id(value): f"{layer_path}/{name}"
               for layer_path, layer in _weighted_layers(model) for name, value in layer.params.items()}
    return variables, [path_of[id(variable)] for variable in variables]


def _optimizer_datasets(model: Sequential) -> tuple[dict, list[str]]:
    optimizer = model.optimizer
    datasets = {"optimizer_weights/iterations": np.array(optimizer.iterations, dtype=np.int64)}
    variables, variable_paths = _trained_variable_paths(model)
    # Slots built for another set of variables would be rebuilt by the next step anyway.
    if len(optimizer.slots) != len(variables) or any(
            tuple(value.shape) != tuple(variable.shape)
            for slot, variable in zip(optimizer.slots, variables) for value in slot.values()):
        return datasets, []
    for variable_path, slot in zip(variable_paths, optimizer.slots):
        for slot_name, value in slot.items():
            datasets[f"optimizer_weights/slots/{variable_path}/{slot_name}"] = np.ascontiguousarray(
                backend.to_numpy(value))
    return datasets, variable_paths


def _digest(datasets: dict, attributes: dict) -> str:
    """SHA-256 over every dataset (path, dtype, shape, bytes) and every text attribute."""
    sha = hashlib.sha256()
    for name in sorted(attributes):
        value = attributes[name]
        text = value if isinstance(value, str) else repr(value)
        sha.update(f"attribute\0{name}\0{text}\0".encode())
    for name in sorted(datasets):
        array = np.ascontiguousarray(datasets[name])
        sha.update(f"dataset\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def _write_file(path: str, overwrite: bool, attributes: dict, datasets: dict) -> None:
    attributes = {"kerasette_version": kerasette.__version__, **attributes}
    attributes[_DIGEST_ATTRIBUTE] = _digest(datasets, attributes)
    with _atomic_hdf5(path, overwrite) as file:
        for name, value in attributes.items():
            file.attrs[name] = value
        for name, array in datasets.items():
            file.create_dataset(name, data=array)


@contextlib.contextmanager
def _atomic_hdf5(path: str, overwrite: bool):
    """An HDF5 file open for writing that replaces ``path`` only once fully written."""
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite: expected True or False; received {overwrite!r}")
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(f"filepath {path!r}: the file exists and overwrite=False")
    if os.path.isdir(path):
        raise ValueError(f"filepath {path!r}: is an existing directory; expected a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"filepath {path!r}: the directory {directory!r} does not exist")
    descriptor, temporary = new_file_beside(path, ".tmp")
    try:
        with h5py.File(temporary, "w", userblock_size=_USER_BLOCK_SIZE) as file:
            yield file
        with open(temporary, "r+b") as handle:
            handle.write(_FILE_DIGEST_MARKER + _file_digest(temporary).encode())
        # fsync syncs the file, whichever descriptor wrote it.
        os.fsync(descriptor)
        os.close(descriptor)
        descriptor = None
        os.replace(temporary, path)
    except BaseException:
        if descriptor is not None:
            os.close(descriptor)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _file_digest(path: str) -> str:
    """SHA-256 of everything after the user block."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(_USER_BLOCK_SIZE)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _verify_file_digest(path: str) -> None:
    with open(path, "rb") as handle:
        head = handle.read(len(_FILE_DIGEST_MARKER) + 64)
    if not head.startswith(_FILE_DIGEST_MARKER):
        return  # Keras files and files from other tools carry no digest
    if head[len(_FILE_DIGEST_MARKER):].decode("ascii", "replace") != _file_digest(path):
        raise ValueError(f"filepath {path!r}: checksum mismatch: the file differs from the SHA-256 stored when it "
                         "was saved, so it is truncated or corrupted")


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; only POSIX systems can open a directory for this."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- reading --------------------------------------------------------------------------------------
@contextlib.contextmanager
def _open_for_reading(path: str):
    """The HDF5 file at ``path``, open for reading; damage is reported as ValueError."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"filepath {path!r}: no such file")
    if os.path.isdir(path):
        raise ValueError(f"filepath {path!r}: is a directory; expected an HDF5 file")
    _verify_file_digest(path)
    if not h5py.is_hdf5(path):
        with open(path, "rb") as handle:
            zipped = handle.read(4) == b"PK\x03\x04"
        hint = (" (it is a zip archive, such as Keras 3's native .keras format; kerasette reads HDF5: in Keras, "
                "save with model.save('model.h5') or model.save_weights('model.weights.h5'))") if zipped else ""
        raise ValueError(f"filepath {path!r}: not an HDF5 file{hint}")
    try:
        file = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"filepath {path!r}: truncated or damaged HDF5 file ({error})") from None
    try:
        with file:
            yield file
    except (OSError, KeyError, RuntimeError, TypeError, ValueError) as error:
        # What h5py raises on damaged structures is about the file; anything raised by
        # kerasette's own code while rebuilding the model is not, and passes unchanged.
        if not _raised_inside_h5py(error):
            raise
        raise ValueError(f"filepath {path!r}: damaged HDF5 file ({type(error).__name__}: {error})") from error


def _raised_inside_h5py(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback is h5py's."""
    frame = error.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    return frame.tb_frame.f_globals.get("__name__", "").startswith("h5py")


def _layout(file: h5py.File) -> str:
    if "kerasette_version" in file.attrs:
        return "kerasette"
    if ("model_config" in file.attrs or "layer_names" in file.attrs
            or ("model_weights" in file and "layer_names" in file["model_weights"].attrs)):
        return "keras_legacy"
    if isinstance(file.get("layers"), h5py.Group):
        return "keras_weights"
    return "unknown"


def _read_dataset(dataset: h5py.Dataset, path: str) -> np.ndarray:
    if dataset.dtype.kind not in "biuf":
        raise ValueError(f"filepath {path!r}: dataset {dataset.name!r} holds {dataset.dtype} values; "
                         "expected numbers")
    return np.asarray(dataset[()])


def _read_verified(file: h5py.File, path: str) -> dict:
    """Every dataset of a kerasette file, after checking them against the stored SHA-256."""
    names = []
    file.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    datasets = {name: _read_dataset(file[name], path) for name in names}
    attributes = {name: _text(value) for name, value in file.attrs.items() if name != _DIGEST_ATTRIBUTE}
    stored = _text(file.attrs.get(_DIGEST_ATTRIBUTE))
    if not isinstance(stored, str):
        raise ValueError(f"filepath {path!r}: missing {_DIGEST_ATTRIBUTE} attribute; cannot verify the data")
    if _digest(datasets, attributes) != stored:
        raise ValueError(f"filepath {path!r}: checksum mismatch: the contents differ from the SHA-256 stored "
                         "when the file was saved, so the file is corrupted")
    return datasets


def _text(value):
    """An HDF5 text attribute as ``str`` (Keras 2 stored bytes); other values unchanged."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    return value


def _json_attribute(attributes, name: str, path: str, expected_type: type):
    text = _text(attributes.get(name))
    if text is None:
        raise ValueError(f"filepath {path!r}: missing {name} attribute")
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError as error:
        raise ValueError(f"filepath {path!r}: the {name} attribute is not valid JSON ({error})") from None
    if not isinstance(value, expected_type):
        raise ValueError(f"filepath {path!r}: the {name} attribute should hold a JSON "
                         f"{'object' if expected_type is dict else 'list'}; received {str(text)[:80]!r}")
    return value


def _string_list_attribute(group: h5py.Group, name: str, path: str) -> list[str]:
    """A list of names stored the Keras way, split into ``name0, name1, ...`` when long."""
    if name in group.attrs:
        values = list(np.atleast_1d(group.attrs[name]))
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(np.atleast_1d(group.attrs[f"{name}{chunk}"]))
            chunk += 1
        if not chunk:
            raise ValueError(f"filepath {path!r}: missing {name} attribute on {group.name!r}")
    return [str(_text(value)) for value in values]


# -- matching stored weights to a model ---------------------------------------------------------
# Stored weights are a list of (layer label, [array, ...]) in file order.
def _kerasette_weights(file: h5py.File, path: str, datasets: dict) -> list:
    weight_paths = _json_attribute(file.attrs, "weight_paths", path, list)
    stored: dict[str, list] = {}
    for weight_path in weight_paths:
        key = f"model_weights/{weight_path}"
        if not isinstance(weight_path, str) or key not in datasets:
            raise ValueError(f"filepath {path!r}: weight {weight_path!r} is listed in weight_paths but missing")
        stored.setdefault(weight_path.rpartition("/")[0], []).append(datasets[key])
    return list(stored.items())


def _keras_legacy_weights(file: h5py.File, path: str) -> list:
    group = file["model_weights"] if "model_weights" in file else file
    stored = []
    for layer_name in _string_list_attribute(group, "layer_names", path):
        if not isinstance(group.get(layer_name), h5py.Group):
            raise ValueError(f"filepath {path!r}: layer {layer_name!r} is listed in layer_names but missing")
        layer_group = group[layer_name]
        weight_names = _string_list_attribute(layer_group, "weight_names", path)
        for weight_name in weight_names:
            if not isinstance(layer_group.get(weight_name), h5py.Dataset):
                raise ValueError(f"filepath {path!r}: weight {layer_name}/{weight_name} is listed but missing")
        if weight_names:
            stored.append((layer_name, [_read_dataset(layer_group[name], path) for name in weight_names]))
    return stored


def _keras3_layer_groups(model: Sequential, prefix: str = "layers") -> list[str]:
    """Where Keras 3 stores each weighted layer of an equivalent model.

    Keras names a layer's group by its class and position among the layers of that
    class in the same model (``dense``, ``dense_1``, ...), not by the layer's name.
    """
    groups, used = [], {}
    for layer in model.layers:
        base = _snake_case(type(layer).__name__)
        used[base] = used.get(base, -1) + 1
        name = base if used[base] == 0 else f"{base}_{used[base]}"
        if isinstance(layer, Sequential):
            groups.extend(_keras3_layer_groups(layer, f"{prefix}/{name}/layers"))
        elif layer.params:
            groups.append(f"{prefix}/{name}")
    return groups


def _keras3_weights(file: h5py.File, path: str, model: Sequential) -> list:
    found = []
    file["layers"].visititems(lambda name, item: found.append(f"layers/{name.rpartition('/')[0]}")
                              if isinstance(item, h5py.Group) and name.rpartition("/")[2] == "vars" and len(item)
                              else None)
    expected = _keras3_layer_groups(model)
    if sorted(found) != sorted(expected):
        raise ValueError(f"filepath {path!r}: the Keras weights file holds weights for {sorted(found)}, but an "
                         f"equivalent Keras model of this model's layers would hold {sorted(expected)}")
    stored = []
    for group_path in expected:
        variables = file[f"{group_path}/vars"]
        indices = sorted(variables, key=lambda key: int(key) if key.isdigit() else -1)
        if indices != [str(index) for index in range(len(indices))]:
            raise ValueError(f"filepath {path!r}: {group_path}/vars should hold datasets 0, 1, ...; "
                             f"received {sorted(variables)}")
        stored.append((group_path, [_read_dataset(variables[index], path) for index in indices]))
    return stored


def _match_weights(path: str, stored: list, model: Sequential) -> list:
    """``(variable, array)`` pairs for every weight of ``model``, all shapes checked."""
    layers = _weighted_layers(model)
    if len(stored) != len(layers):
        raise ValueError(f"filepath {path!r}: the file holds weights for {len(stored)} layers "
                         f"{[label for label, _ in stored]}; model '{model.name}' has {len(layers)} layers with "
                         f"weights {[layer_path for layer_path, _ in layers]}")
    by_label = dict(stored)
    if set(by_label) == {layer_path for layer_path, _ in layers}:
        pairs = [(layer_path, layer, layer_path, by_label[layer_path]) for layer_path, layer in layers]
    else:
        pairs = [(layer_path, layer, label, weights) for (layer_path, layer), (label, weights) in zip(layers, stored)]
    assignments = []
    for layer_path, layer, label, weights in pairs:
        targets = list(layer.params.items())
        if len(weights) != len(targets):
            raise ValueError(f"filepath {path!r}: layer '{layer_path}' has {len(targets)} weights "
                             f"{[name for name, _ in targets]}; the file's layer '{label}' has {len(weights)}")
        for (name, variable), array in zip(targets, weights):
            if tuple(array.shape) != tuple(variable.shape):
                source = "" if label == layer_path else f" (matched by position to the file's layer '{label}')"
                raise ValueError(f"filepath {path!r}: weight '{layer_path}/{name}' has shape {tuple(array.shape)}, "
                                 f"expected {tuple(variable.shape)}{source}")
            assignments.append((variable, array))
    return assignments


def _assign(assignments: list) -> None:
    for variable, array in assignments:
        variable[...] = backend.to_device(array, variable.dtype)


# -- kerasette models ------------------------------------------------------------------------------
def _load_kerasette_model(file: h5py.File, path: str, compile: bool) -> Sequential:
    datasets = _read_verified(file, path)
    config = _json_attribute(file.attrs, "model_config", path, dict)
    if config.get("class_name") != "Sequential" or not isinstance(config.get("config"), dict):
        raise ValueError(f"filepath {path!r}: model_config describes a {config.get('class_name')!r}; "
                         "expected a 'Sequential' model")
    try:
        model = Sequential.from_config(config["config"])
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"filepath {path!r}: model_config does not describe a model kerasette can build "
                         f"({error})") from None
    _assign(_match_weights(path, _kerasette_weights(file, path, datasets), model))
    if compile and "compile_config" in file.attrs:
        compile_config = _json_attribute(file.attrs, "compile_config", path, dict)
        _compile(model, path, compile_config.get("optimizer"), compile_config.get("loss"),
                 compile_config.get("metrics"))
        _restore_optimizer(model, path, datasets, _json_attribute(file.attrs, "optimizer_variable_paths", path, list))
    return model


def _compile(model: Sequential, path: str, optimizer, loss, metrics) -> None:
    try:
        model.compile(optimizer=optimizers.get(optimizer), loss=losses.get(loss), metrics=metrics or [])
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"filepath {path!r}: cannot compile the model as saved ({error}); pass compile=False "
                         "to load it uncompiled") from None


def _restore_optimizer(model: Sequential, path: str, datasets: dict, saved_paths: list) -> None:
    optimizer = model.optimizer
    iterations = datasets.get("optimizer_weights/iterations")
    if iterations is None or iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
        raise ValueError(f"filepath {path!r}: optimizer_weights/iterations should be a non-negative integer; "
                         f"received {iterations!r}")
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
                raise ValueError(f"filepath {path!r}: optimizer slot '{variable_path}/{slot_name}' should have "
                                 f"shape {tuple(value.shape)}; the file holds {received}")
            staged.append((value, array))
    if len(staged) != len(slot_names):
        raise ValueError(f"filepath {path!r}: the file holds {len(slot_names)} optimizer slots; "
                         f"{optimizer.name} uses {len(staged)}")
    _assign(staged)


# -- legacy Keras models ---------------------------------------------------------------------------
def _keras_activation(value, path: str, layer_name: str):
    # Keras writes activations as names, or as {'class_name': 'function', 'config': name}.
    if isinstance(value, dict):
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    if value is not None and not isinstance(value, str):
        raise ValueError(f"filepath {path!r}: layer '{layer_name}' has activation {value!r}; expected a name")
    return value


def _keras_layer(entry: dict, path: str) -> Layer:
    """The kerasette layer for one Keras layer config (weights are set afterwards)."""
    class_name = entry.get("class_name")
    config = entry.get("config") or {}
    name = config.get("name")
    if class_name not in _KERAS_LAYERS:
        raise ValueError(f"filepath {path!r}: layer {name!r} is a Keras {class_name!r}; kerasette reads Keras "
                         f"models made of {', '.join(_KERAS_LAYERS)}")
    batch_shape = config.get("batch_shape") or config.get("batch_input_shape")
    common = {"name": name, "trainable": config.get("trainable", True)}
    if batch_shape and class_name != "InputLayer":
        common["input_shape"] = tuple(batch_shape[1:])
    try:
        if class_name == "InputLayer":
            return InputLayer(shape=tuple(batch_shape[1:]) if batch_shape else None, name=name)
        if class_name == "Dense":
            return Dense(config["units"], activation=_keras_activation(config.get("activation"), path, name),
                         use_bias=config.get("use_bias", True), **common)
        if class_name == "Dropout":
            return Dropout(config["rate"], seed=config.get("seed"), **common)
        if class_name == "Flatten":
            return Flatten(**common)
        if class_name == "Activation":
            return Activation(_keras_activation(config.get("activation"), path, name), **common)
        return Softmax(axis=config.get("axis", -1), **common)
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"filepath {path!r}: cannot translate Keras layer {name!r} ({class_name}): "
                         f"{error}") from None


def _load_keras_legacy_model(file: h5py.File, path: str, compile: bool) -> Sequential:
    config = _json_attribute(file.attrs, "model_config", path, dict)
    model_config = config.get("config")
    if config.get("class_name") != "Sequential" or not isinstance(model_config, dict):
        raise ValueError(f"filepath {path!r}: the Keras model is a {config.get('class_name')!r}; kerasette reads "
                         "Sequential models only")
    entries = model_config.get("layers") or []
    try:
        model = Sequential([_keras_layer(entry, path) for entry in entries], name=model_config.get("name"))
        if not model.built and model_config.get("build_input_shape"):
            model.build(tuple(model_config["build_input_shape"]))
    except (ValueError, TypeError) as error:
        raise ValueError(f"filepath {path!r}: cannot rebuild the Keras model ({error})") from None
    _assign(_match_weights(path, _keras_legacy_weights(file, path), model))
    if compile and "training_config" in file.attrs:
        training_config = _json_attribute(file.attrs, "training_config", path, dict)
        if training_config.get("loss") is not None:
            _compile(model, path, _keras_optimizer(training_config.get("optimizer_config"), path),
                     _keras_loss(training_config["loss"], path), _keras_metrics(training_config.get("metrics"), path))
    return model


def _constructor_arguments(cls: type, config: dict) -> dict:
    accepted = inspect.signature(cls.__init__).parameters
    # Names and reductions keep kerasette's defaults (Keras 2 wrote reduction='auto').
    return {key: value for key, value in config.items()
            if key in accepted and key not in ("name", "reduction") and value is not None}


def _keras_optimizer(optimizer_config, path: str) -> optimizers.Optimizer:
    if not isinstance(optimizer_config, dict):
        raise ValueError(f"filepath {path!r}: training_config has no optimizer_config; pass compile=False")
    class_name = str(optimizer_config.get("class_name", ""))
    config = optimizer_config.get("config") or {}
    known = {cls.__name__.lower(): cls for cls in (optimizers.SGD, optimizers.RMSprop, optimizers.Adam)}
    cls = known.get(class_name.lower())
    if cls is None:
        raise ValueError(f"filepath {path!r}: the Keras optimizer {class_name!r} has no kerasette counterpart "
                         f"(expected one of SGD, RMSprop, Adam); pass compile=False to load the model uncompiled")
    extras = [key for key in _KERAS_OPTIMIZER_EXTRAS if config.get(key)]
    if extras or isinstance(config.get("learning_rate"), dict):
        unsupported = extras or ["a learning-rate schedule"]
        raise ValueError(f"filepath {path!r}: the Keras optimizer uses {', '.join(unsupported)}, which kerasette's "
                         f"{cls.__name__} lacks; pass compile=False to load the model uncompiled")
    return cls(**_constructor_arguments(cls, config))


def _keras_loss(loss, path: str) -> losses.Loss:
    if isinstance(loss, dict):
        class_name = loss.get("class_name")
        try:
            cls = type(losses.get(class_name))
        except (ValueError, TypeError):
            raise ValueError(f"filepath {path!r}: the Keras loss {class_name!r} has no kerasette counterpart; "
                             "pass compile=False to load the model uncompiled") from None
        return cls(**_constructor_arguments(cls, loss.get("config") or {}))
    if not isinstance(loss, str):
        raise ValueError(f"filepath {path!r}: training_config holds the loss {loss!r}; expected a name; "
                         "pass compile=False to load the model uncompiled")
    return loss


def _keras_metrics(metrics, path: str) -> list[str]:
    names = []
    for metric in metrics or []:
        if isinstance(metric, dict):
            metric = (metric.get("config") or {}).get("name")
        if not isinstance(metric, str):
            raise ValueError(f"filepath {path!r}: training_config holds the metric {metric!r}; expected a name; "
                             "pass compile=False to load the model uncompiled")
        names.append(metric)
    return names
