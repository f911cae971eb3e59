"""The structure of a saved file, without its values: what Keras 3 depends on when it loads one.

Used by tests/fixtures/make_keras_fixtures.py to record the structure of the kerasette-
written files that real Keras 3 loaded, and by tests/test_keras_files.py to check that
kerasette still writes that structure: the same zip members, the same config keys and
class names, the same HDF5 groups, attribute names and dataset shapes and dtypes.
"""

from __future__ import annotations

import io
import json
import zipfile

import h5py

# Values that Keras reads to decide what to build; everything else is reduced to its type.
_KEPT_VALUES = ("module", "class_name", "registered_name")


def config_shape(value, key: str = ""):
    """A JSON value with dict keys, list lengths and class names kept, other leaves as type names."""
    if isinstance(value, dict):
        return {name: config_shape(item, name) for name, item in sorted(value.items())}
    if isinstance(value, list):
        return [config_shape(item) for item in value]
    if key in _KEPT_VALUES:
        return value
    return type(value).__name__


def hdf5_shape(file: h5py.File) -> dict:
    """``{path: [shape, dtype]}`` for datasets and ``{path: [attribute names]}`` for groups."""
    found = {"/": sorted(file.attrs)}

    def visit(name, item):
        if isinstance(item, h5py.Dataset):
            found[name] = [list(item.shape), item.dtype.str]
        else:
            found[name] = sorted(item.attrs)

    file.visititems(visit)
    return found


def file_structure(path) -> dict:
    """The structure of a ``.keras`` archive or an HDF5 file."""
    with open(path, "rb") as handle:
        zipped = handle.read(4) == b"PK\x03\x04"
    if not zipped:
        with h5py.File(path, "r") as file:
            return {"hdf5": hdf5_shape(file)}
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as file:
            weights = hdf5_shape(file)
    return {"members": members, "config": config_shape(config), "metadata": sorted(metadata), "weights": weights}


# -- the kerasette models whose files real Keras 3 loaded (make_keras_fixtures.py) -----------
def kerasette_mlp(seed: int = 3):
    """Every supported layer with weights or options a Dense stack uses, trained two Adam steps.

    Layers are named so that the files' structure does not depend on what else the
    process built before (kerasette numbers default names per process, as Keras does).
    """
    import numpy as np

    from kerasette import Sequential, layers, optimizers, utils

    utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.integers(0, 3, size=32)
    normalization = layers.Normalization(name="normalize")
    normalization.adapt(x)
    model = Sequential(
        [
            layers.Input(shape=(6,), name="features"),
            normalization,
            layers.Rescaling(0.5, offset=0.1, name="rescale"),
            layers.Dense(8, activation="relu", name="hidden_1"),
            layers.LayerNormalization(name="layer_norm"),
            layers.LeakyReLU(negative_slope=0.2, name="leaky"),
            layers.Dense(8, name="hidden_2"),
            layers.ELU(name="elu"),
            layers.ReLU(max_value=6.0, name="relu6"),
            layers.Dense(3, name="logits"),
            layers.Softmax(name="probabilities"),
        ],
        name="mlp",
    )
    model.compile(
        optimizer=optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


def kerasette_embedding(seed: int = 4):
    """Embedding, Flatten and the layers that act only in training, under SGD with momentum."""
    import numpy as np

    from kerasette import Sequential, layers, optimizers, utils

    utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, 10, size=(32, 5)), rng.integers(0, 3, size=32)
    model = Sequential(
        [
            layers.Embedding(10, 4, input_shape=(5,), name="embed"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.25, name="dropout"),
            layers.GaussianNoise(0.1, name="noise"),
            layers.Dense(3, activation="softmax", name="classify"),
        ],
        name="embedder",
    )
    model.compile(optimizer=optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


# Optimizer settings whose state Keras must read back in its own order (one each).
RESUMED_OPTIMIZERS = {
    "adam_amsgrad": ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    "adamw": ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1}),
    "nadam": ("Nadam", {"learning_rate": 0.05}),
    "adamax": ("Adamax", {"learning_rate": 0.05}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "rmsprop_centered": ("RMSprop", {"learning_rate": 0.05, "momentum": 0.5, "centered": True}),
    "adagrad": ("Adagrad", {"learning_rate": 0.05}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "ftrl": ("Ftrl", {"learning_rate": 0.05}),
    "lion": ("Lion", {"learning_rate": 0.05}),
}


def resumable_model(optimizer_name: str, initial_weights: list, x, y):
    """A small kerasette model from given weights, trained two deterministic steps."""
    from kerasette import Sequential, layers, optimizers

    class_name, arguments = RESUMED_OPTIMIZERS[optimizer_name]
    model = Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
            layers.LayerNormalization(name="layer_norm"),
            layers.Dense(3, activation="softmax", name="classify"),
        ],
        name="resumable",
    )
    model.set_weights(initial_weights)
    model.compile(optimizer=getattr(optimizers, class_name)(**arguments), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model
