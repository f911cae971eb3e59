"""Keras 3 files of convolutional models: the layers of issue 11 through the `.keras`/`.h5` table."""

from __future__ import annotations

import os

import numpy as np
import pytest
from data_helpers import require_peer

from kerasette import Sequential, layers, utils
from kerasette.models import load_model


def convnet():
    utils.set_random_seed(3)
    model = Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
            layers.BatchNormalization(momentum=0.8),
            layers.MaxPooling2D(),
            layers.ZeroPadding2D(1),
            layers.AveragePooling2D(padding="same"),
            layers.GlobalMaxPooling2D(),
            layers.Reshape((2, 2)),
            layers.Flatten(),
            layers.Dense(3, activation="softmax", kernel_regularizer="l2", kernel_constraint="max_norm"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    inputs = rng.random((16, 8, 8, 1), dtype="float32")
    model.fit(inputs, rng.integers(0, 3, 16), epochs=2, verbose=0)
    return model, inputs


@pytest.mark.parametrize("name", ["convnet.keras", "convnet.h5"])
def test_a_convnet_round_trips_with_its_statistics_and_regularizers(name, tmp_path):
    model, inputs = convnet()
    model.save(tmp_path / name)
    loaded = load_model(tmp_path / name)
    np.testing.assert_array_equal(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    assert loaded.layers[1].momentum == 0.8
    assert loaded.layers[-1].get_config()["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert loaded.layers[-1].get_config()["kernel_constraint"]["class_name"] == "MaxNorm"
    for saved, restored in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(saved, restored)


@pytest.mark.parametrize("name", ["convnet.keras", "convnet.h5"])
def test_real_keras_loads_a_kerasette_convnet(name, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    keras = require_peer("keras", reason="Keras not installed (.ci/run installs it)")
    model, inputs = convnet()
    model.save(tmp_path / name)
    loaded = keras.models.load_model(tmp_path / name)
    assert type(loaded.layers[-1].kernel_regularizer).__name__ == "L2"
    predictions = np.asarray(loaded.predict(inputs, verbose=0))
    np.testing.assert_allclose(predictions, model.predict(inputs, verbose=0), rtol=0, atol=1e-5)
