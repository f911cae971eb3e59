"""Keras arguments of built-in layers that were refused before: regularizers and constraints
of the convolutions, normalizations and Embedding; Embedding(weights=); Dropout(noise_shape);
Flatten(data_format); Softmax(axis). Values are goldens from real Keras 3.15
(tests/fixtures/make_layer_argument_goldens.py) or Keras's documented formula; gradients
are checked against central differences in float64."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import kerasette as keras
from kerasette import constraints, layers, regularizers
from tests.gradient_check import check_layer, layer_gradients

GOLDENS = np.load(Path(__file__).parent / "fixtures" / "keras_layer_arguments.npz")
L1, L2, NonNeg, MaxNorm = regularizers.L1, regularizers.L2, constraints.NonNeg, constraints.MaxNorm

# The same layers as the fixture script builds with Keras.
TRAINING_CASES = {
    "conv2d": lambda: layers.Conv2D(
        3,
        3,
        kernel_regularizer=L2(0.1),
        bias_regularizer=L1(0.2),
        kernel_constraint=NonNeg(),
        bias_constraint=MaxNorm(0.05),
    ),
    "conv1d": lambda: layers.Conv1D(
        2, 2, kernel_regularizer=L1(0.05), kernel_constraint=MaxNorm(0.5), bias_constraint=NonNeg()
    ),
    "batch_normalization": lambda: layers.BatchNormalization(
        gamma_regularizer=L2(0.3), beta_regularizer=L1(0.1), gamma_constraint=MaxNorm(0.9), beta_constraint=NonNeg()
    ),
    "layer_normalization": lambda: layers.LayerNormalization(
        gamma_regularizer=L1(0.2), beta_regularizer=L2(0.4), gamma_constraint=NonNeg(), beta_constraint=MaxNorm(0.1)
    ),
    "embedding": lambda: layers.Embedding(6, 2, embeddings_regularizer=L2(0.2), embeddings_constraint=NonNeg()),
}


def trained(name, layer):
    x, y = GOLDENS[f"{name}/x"], GOLDENS[f"{name}/y"]
    model = keras.Sequential([keras.Input(x.shape[1:]), layer, layers.Flatten()])
    before = [GOLDENS[f"{name}/before{index}"] for index in range(len(model.get_weights()))]
    model.set_weights(before)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model, float(model.train_on_batch(x.astype("float32"), y))


@pytest.mark.parametrize("name", sorted(TRAINING_CASES))
def test_one_training_step_with_penalties_and_constraints_matches_keras(name):
    model, loss = trained(name, TRAINING_CASES[name]())
    # The reported loss includes the penalties; the weights after were projected.
    assert loss == pytest.approx(float(GOLDENS[f"{name}/loss"]), rel=1e-5)
    for index, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, GOLDENS[f"{name}/after{index}"], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(TRAINING_CASES))
def test_without_the_penalties_the_step_differs(name):
    """The goldens are sensitive to the new arguments: dropping them gives other weights."""
    plain = {
        "conv2d": lambda: layers.Conv2D(3, 3),
        "conv1d": lambda: layers.Conv1D(2, 2),
        "batch_normalization": lambda: layers.BatchNormalization(),
        "layer_normalization": lambda: layers.LayerNormalization(),
        "embedding": lambda: layers.Embedding(6, 2),
    }[name]
    model, loss = trained(name, plain())
    differs = [not np.allclose(w, GOLDENS[f"{name}/after{i}"], rtol=1e-4) for i, w in enumerate(model.get_weights())]
    assert loss != pytest.approx(float(GOLDENS[f"{name}/loss"]), rel=1e-5) or any(differs)


@pytest.mark.parametrize("name", sorted(TRAINING_CASES))
def test_penalties_and_constraints_survive_get_config_and_saving(name, tmp_path):
    layer = TRAINING_CASES[name]()
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    model, _ = trained(name, TRAINING_CASES[name]())
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    assert any(
        value is not None for key, value in loaded.layers[0].get_config().items() if key.endswith("_regularizer")
    )
    # In the archive's config.json, in Keras 3's form (what Keras reads back).
    with zipfile.ZipFile(path) as archive:
        saved = json.loads(archive.read("config.json"))["config"]["layers"][1]["config"]
    regularizer = next(value for key, value in saved.items() if key.endswith("_regularizer") and value)
    assert regularizer["module"] == "keras.regularizers" and regularizer["class_name"] in ("L1", "L2")


def test_embedding_weights_build_the_layer_with_that_table():
    table = np.arange(12.0).reshape(6, 2)
    layer = layers.Embedding(6, 2, weights=table)
    assert layer.built
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(np.array([[5, 0]]))), [[[10.0, 11.0], [0.0, 1.0]]])
    np.testing.assert_array_equal(layers.Embedding(6, 2, weights=[table]).get_weights()[0], table)
    with pytest.raises(ValueError, match=r"shape \(2, 2\); expected \(6, 2\)"):
        layers.Embedding(6, 2, weights=np.zeros((2, 2)))


def test_dropout_noise_shape_shares_the_mask_along_broadcast_axes(float64):
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 5), seed=3)
    inputs = np.ones((4, 6, 5))
    outputs = keras.ops.convert_to_numpy(layer(inputs, training=True))
    # Keras's formula: x * mask / (1 - rate), the mask drawn once per (sample, feature).
    assert set(np.unique(outputs)) <= {0.0, 2.0} and 0 < (outputs == 0).mean() < 1
    assert (outputs == outputs[:, :1, :]).all()
    grad_output = np.random.default_rng(0).standard_normal(inputs.shape)
    grad_inputs, _ = layer_gradients(layer, inputs, grad_output, training=True)
    # The step is random: the gradient is the mask of the call that took it.
    grad_inputs = keras.ops.convert_to_numpy(grad_inputs)
    np.testing.assert_allclose(grad_inputs, grad_output * np.broadcast_to(grad_inputs[:, :1, :] != 0, inputs.shape) * 2)
    assert layers.Dropout.from_config(layer.get_config()).noise_shape == (None, 1, 5)


def test_dropout_noise_shape_is_checked():
    with pytest.raises(ValueError, match=r"noise_shape: expected a tuple of positive ints or None.*received 5"):
        layers.Dropout(0.5, noise_shape=5)
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 2\) does not broadcast to inputs of shape \(4, 3\)"):
        layers.Dropout(0.5, noise_shape=(None, 2))(np.ones((4, 3)), training=True)


def test_flatten_channels_first_matches_keras(float64):
    images = GOLDENS["flatten/x"]
    layer = layers.Flatten(data_format="channels_first")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(images)), GOLDENS["flatten/channels_first"])
    check_layer(layer, np.random.default_rng(1).standard_normal((2, 3, 2, 2)), np.random.default_rng(2))
    assert layers.Flatten().data_format == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        layers.Flatten(data_format="channels_middle")


@pytest.mark.parametrize("axis, key", [(1, "axis1"), ((1, 2), "axis12"), ([1, 2], "axis12")])
def test_softmax_over_other_axes_matches_keras_and_its_gradient(float64, axis, key):
    layer = layers.Softmax(axis=axis)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(GOLDENS["softmax/x"])), GOLDENS[f"softmax/{key}"], rtol=1e-6
    )
    check_layer(layer, np.random.default_rng(4).standard_normal((2, 3, 4)), np.random.default_rng(5))
    assert layers.Softmax.from_config(layer.get_config()).axis == layer.axis
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.activations.softmax(GOLDENS["softmax/x"], axis=(1, 2))),
        GOLDENS["softmax/axis12"],
        rtol=1e-6,
    )
