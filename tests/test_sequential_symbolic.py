"""Keras 3's view of a Sequential model: an unbuilt one has no input_shape, output_shape,
inputs or outputs (AttributeError, as Keras); a built one has symbolic inputs and outputs
from which a Functional model can be cut, as Keras programs do for feature extractors."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers


@pytest.mark.parametrize("attribute", ["input_shape", "output_shape", "inputs", "outputs"])
def test_an_unbuilt_sequential_has_no_symbolic_attributes(attribute):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError):
        getattr(model, attribute)
    assert not hasattr(keras.Sequential(), attribute)


def test_a_built_sequential_has_inputs_and_outputs_that_make_a_functional_model():
    inputs = keras.Input((3,))
    model = keras.Sequential([inputs, layers.Dense(4, activation="relu"), layers.Dense(2)])
    assert model.inputs == [inputs] and model.input_shape == (None, 3)
    assert [tensor.shape for tensor in model.outputs] == [(None, 2)]
    # Single tensors, not the one-element lists: kerasette's Functional keeps a list output
    # a list (Keras unpacks it), which is the Functional's matter, not Sequential's.
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    whole = keras.Model(model.inputs[0], model.outputs[0])
    np.testing.assert_allclose(whole.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    features = keras.Model(model.inputs[0], model.layers[0].output)
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(features.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0), rtol=1e-5)


def test_inputs_follow_build_add_and_pop():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    model.build((None, 3))
    assert model.inputs[0].shape == (None, 3) and model.outputs[0].shape == (None, 2)
    model.add(layers.Dense(1))
    assert model.outputs[0].shape == (None, 1)
    model.pop()
    assert model.outputs[0].shape == (None, 2)
    x = np.ones((2, 3), dtype="float32")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((2, 2)), epochs=1, verbose=0)
    assert model.input_shape == (None, 3)


def test_fit_builds_an_unbuilt_model_which_then_has_inputs():
    model = keras.Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 5)), np.zeros((4, 2)), verbose=0)
    assert model.input_shape == (None, 5) and model.outputs[0].shape == (None, 2)
