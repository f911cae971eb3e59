"""The models whose ``summary()`` text tests/test_summary.py compares with Keras 3's, built
through the Keras API of whichever module is passed (kerasette, or real Keras in
tests/fixtures/make_summary_fixtures.py), with every name given so the text is fixed."""

from __future__ import annotations

import numpy as np


def seed_mlp(keras):
    """examples/mnist_mlp.py's model, compiled as there."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((784,), name="pixels"),
            layers.Dense(512, activation="relu", name="dense"),
            layers.Dropout(0.2, name="dropout"),
            layers.Dense(512, activation="relu", name="dense_1"),
            layers.Dropout(0.2, name="dropout_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="sequential",
    )
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    return model


def trained_seed_mlp(keras):
    """The seed model after one step, so its optimizer has its variables."""
    model = seed_mlp(keras)
    rng = np.random.default_rng(0)
    model.train_on_batch(rng.random((8, 784)).astype("float32"), np.eye(10, dtype="float32")[rng.integers(0, 10, 8)])
    return model


def frozen_convnet(keras):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1), name="image"),
            layers.Conv2D(32, 3, activation="relu", name="conv_a"),
            layers.BatchNormalization(name="norm"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(10, activation="softmax", name="classes"),
        ],
        name="convnet",
    )
    model.get_layer("conv_a").trainable = False
    return model


def branchy(keras):
    """Two inputs, a shared layer, a nested Sequential, long names that wrap."""
    layers = keras.layers
    image = keras.Input((8,), name="image")
    extra = keras.Input((8,), name="extra_features_of_a_long_name")
    shared = layers.Dense(8, activation="relu", name="shared")
    tower = keras.Sequential(
        [keras.Input((8,), name="tower_in"), layers.Dense(4, name="tower_a"), layers.Dense(2, name="tower_b")],
        name="tower",
    )
    joined = layers.Concatenate(name="joined")([shared(image), shared(extra)])
    total = layers.Add(name="sum")([layers.Dense(2, name="a_rather_long_dense_layer_name")(joined), tower(image)])
    return keras.Model([image, extra], total, name="branchy")


# (model maker, summary keyword arguments) per fixture entry
CASES = {
    "seed_mlp": (seed_mlp, {}),
    "seed_mlp_trained_show_trainable": (trained_seed_mlp, {"show_trainable": True}),
    "convnet_positions": (frozen_convnet, {"line_length": 70, "positions": [0.5, 0.8, 1.0], "show_trainable": True}),
    "convnet_layer_range": (frozen_convnet, {"layer_range": ["norm", "flat"]}),
    "branchy": (branchy, {}),
    "branchy_nested_narrow": (branchy, {"expand_nested": True, "line_length": 90, "show_trainable": True}),
}


def summary_rows(lines: list[str]) -> list[list[str]]:
    """The cells of each row of a printed summary table, a cell's wrapped lines joined by spaces."""
    rows, current = [], None
    for line in lines:
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            current = cells if current is None else [f"{a} {b}".strip() for a, b in zip(current, cells)]
        elif current is not None:
            rows.append(current)
            current = None
    return rows
