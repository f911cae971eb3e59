"""Saving and loading models and weights: ``save_model``, ``load_model``, ``save_weights``,
``load_weights``, dispatching on what a file holds (kerasette's layout or Keras's)."""

from __future__ import annotations

import os

import h5py

from kerasette.distribution.training_loop import writes_files
from kerasette.registry import CustomObjectScope
from kerasette.saving import keras_archive, keras_format, kerasette_format
from kerasette.saving.file_names import LOAD_WEIGHTS_SUFFIXES, MODEL_SUFFIXES, WEIGHTS_SUFFIX, check_suffix
from kerasette.saving.hdf5_file import open_for_reading
from kerasette.saving.keras_weights import match_groups
from kerasette.saving.restore import assign, is_model, match_weights, model_class, weighted_layers
from kerasette.validation import check_path


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Save a model's architecture, weights and optimizer state to one file that Keras 3 loads too.

    Args:
        model: The ``Sequential`` model to save.
        filepath: Path ending in ``.keras`` (Keras 3's zip archive) or ``.h5`` / ``.hdf5``
            (HDF5 in Keras's legacy layout). Either is written atomically and carries
            SHA-256 digests that every read checks.
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
    if not path.endswith(".keras") and not isinstance(model, model_class()):
        # kerasette's HDF5 model file holds a Sequential's config; a graph written as a chain would be wrong.
        raise ValueError(
            f"save_model: filepath {path!r}: model '{model.name}' is a {type(model).__name__}; kerasette writes "
            "the HDF5 model format for Sequential models only. Save it as a Keras 3 '.keras' archive instead "
            "(model.save('model.keras')), as Keras 3 recommends"
        )
    if not writes_files():
        return  # under DataParallel rank 0 writes; every rank holds the same model
    if path.endswith(".keras"):
        keras_archive.write_archive(model, path, overwrite)
    else:
        kerasette_format.write_model(model, path, overwrite)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True):
    """Rebuild a model saved by :func:`save_model`, or by Keras 3 (``.keras`` or legacy ``.h5``).

    Files are recognised by their content (zip archive or HDF5), not their names, so
    files kerasette wrote before it followed Keras's layouts still load. A Keras model
    must be a ``Sequential`` of layers kerasette has (the error names any other).

    The restored model predicts bit-identically, and with ``compile=True`` it is
    compiled with the saved optimizer, loss and metrics and carries on training from the
    saved optimizer state (step count and slots).

    Args:
        filepath: Path of the file.
        custom_objects: ``{name: class or function}`` for user classes not registered
            with :func:`~kerasette.saving.register_keras_serializable`.
        compile: Whether to compile the model as it was compiled when saved.

    Returns:
        The rebuilt ``Sequential`` model.

    Raises:
        FileNotFoundError: No file at ``filepath``.
        ValueError: The file is neither a ``.keras`` archive nor HDF5, is truncated or
            corrupted (checksum mismatch), declares absurd sizes, or does not describe
            a model kerasette can build.

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
    if _is_archive(path):
        with CustomObjectScope(custom_objects or {}):
            return keras_archive.load_archive(path, compile)
    with open_for_reading(path) as file:
        layout = _layout(file)
        if layout == "kerasette" and "model_config" in file.attrs:
            with CustomObjectScope(custom_objects or {}):
                return kerasette_format.load_model(file, path, compile)
        if layout == "keras_legacy" and "model_config" in file.attrs:
            return keras_format.load_legacy_model(file, path, compile)
        if layout != "unknown":
            raise ValueError(
                f"filepath {path!r}: missing model_config attribute; this file holds weights only: "
                "build the model and call model.load_weights(filepath) instead"
            )
        raise ValueError(
            f"filepath {path!r}: missing model_config attribute; not a kerasette or Keras model "
            f"file (its top-level entries are {sorted(file)})"
        )


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save a model's weights (nothing else) to an HDF5 file ending in ``.weights.h5``,
    in Keras 3's layout, so that ``keras_model.load_weights`` reads every layer.

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
    if writes_files():
        kerasette_format.write_weights(model, path, overwrite)


def load_weights(model, filepath) -> None:
    """Load weights into a built model from a kerasette or Keras HDF5 file.

    Layers are matched by name when the file's layer names are exactly the model's,
    otherwise by order. Every layer count and shape is checked before any weight is
    written, so a refused file leaves the model unchanged.

    Reads files from :func:`save_weights` and :func:`save_model`, Keras 3
    ``.weights.h5`` files and ``.keras`` archives (layers matched by position, as Keras
    does) and legacy Keras ``.h5`` files.

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
        raise ValueError(
            f"load_weights: model '{model.name}' has not been built yet, so it has no weights to "
            "load into; give the first layer an input_shape or call model.build(...) first"
        )
    if _is_archive(path):
        assign(match_groups(path, keras_archive.archive_weights(path, model), model))
        return
    with open_for_reading(path) as file:
        layout = _layout(file)
        if layout == "kerasette":
            stored = kerasette_format.stored_weights(file, path, kerasette_format.read_checked_datasets(file, path))
            names_agree = {label for label, _ in stored} == {layer_path for layer_path, _ in weighted_layers(model)}
            if not names_agree and "weight_datasets" in file.attrs:
                # Keras 3's layout (checksum verified): matched by Keras's structure, as Keras matches it.
                assign(match_groups(path, keras_format.keras3_weights(file, path, model), model))
                return
        elif layout == "keras_legacy":
            stored = keras_format.legacy_weights(file, path)
        elif layout == "keras_weights":
            assign(match_groups(path, keras_format.keras3_weights(file, path, model), model))
            return
        else:
            raise ValueError(
                f"filepath {path!r}: not a kerasette or Keras weights file: no model_weights or layers "
                f"group (its top-level entries are {sorted(file)})"
            )
    assign(match_weights(path, stored, model))


def _check_model(model, function: str) -> None:
    if not is_model(model):
        raise TypeError(f"{function}: model must be a kerasette Model; received {type(model).__name__}")


def _is_archive(path: str) -> bool:
    """A zip archive (Keras 3's ``.keras`` format) whatever its name; anything else is read as HDF5."""
    return os.path.isfile(path) and keras_archive.is_zip_archive(path)


def _layout(file: h5py.File) -> str:
    """Who wrote the file: ``'kerasette'``, ``'keras_legacy'`` (Keras 2 / ``.h5``), ``'keras_weights'`` (Keras 3)."""
    if "kerasette_version" in file.attrs:
        return "kerasette"
    if (
        "model_config" in file.attrs
        or "layer_names" in file.attrs
        or ("model_weights" in file and "layer_names" in file["model_weights"].attrs)
    ):
        return "keras_legacy"
    if isinstance(file.get("layers"), h5py.Group) or isinstance(file.get("vars"), h5py.Group):
        return "keras_weights"
    return "unknown"
