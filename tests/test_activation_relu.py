"""Activation('relu') writes its outputs in one pass (np.maximum into its buffer): the
values, NaN handling, casting and the untouched inputs must be those of relu itself."""

import numpy as np

from kerasette import activations, backend, layers


def test_relu_layer_gives_relu_of_a_copy_keeps_nan_and_leaves_its_inputs_alone():
    inputs = np.array([[np.nan, -1.5, 0.0, 2.5]], dtype="float32")
    kept = inputs.copy()
    outputs = backend.to_numpy(layers.Activation("relu")(inputs))
    expected = backend.to_numpy(activations.relu(inputs.copy()))
    np.testing.assert_array_equal(outputs, expected)
    np.testing.assert_array_equal(outputs, [[np.nan, 0.0, 0.0, 2.5]])
    np.testing.assert_array_equal(inputs, kept)


def test_relu_layer_casts_integer_inputs_to_floatx():
    outputs = backend.to_numpy(layers.Activation("relu")(np.array([[-2, 3]])))
    assert outputs.dtype == np.float32
    np.testing.assert_array_equal(outputs, [[0.0, 3.0]])
