"""Two small Keras behaviours: categorical cross-entropy over a single class warns as Keras 3
does (a SyntaxWarning naming the shape; the loss is always 0 there), and Flatten of inputs
with an unknown (None) size has an unknown flattened size, as Keras's compute_output_shape."""

import warnings

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers, losses


def test_categorical_crossentropy_over_one_class_warns_as_keras():
    with pytest.warns(SyntaxWarning, match=r"expected y_pred.shape to be \(batch_size, num_classes\).*\(2, 1\)"):
        value = losses.CategoricalCrossentropy()(np.ones((2, 1)), np.ones((2, 1)))
    assert float(value) == pytest.approx(1.1920930376163597e-07)  # Keras's value: -log(1 - 1e-7)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)


def test_two_classes_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.CategoricalCrossentropy()(np.array([[0.0, 1.0]]), np.array([[0.3, 0.7]]))


def test_flatten_of_an_unknown_size_is_unknown():
    assert layers.Flatten().compute_output_shape((None, None, 3)) == (None, None)
    assert layers.Flatten().compute_output_shape((None, 4, 3)) == (None, 12)
    outputs = layers.Flatten()(keras.Input((None, 3)))
    assert outputs.shape == (None, None)
