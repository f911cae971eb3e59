"""Models of the Functional and subclassed file fixtures, written once for both frameworks.

``keras`` is either real Keras 3 (tests/fixtures/make_functional_fixtures.py) or kerasette
(the tests): kerasette takes Keras's code unchanged, so one definition builds the same model
in each, and a file written by one is read by the other.
"""

from __future__ import annotations

import numpy as np


def functional_model(keras):
    """Two inputs, two outputs, a layer shared by two calls, a residual ``Add``, a nested
    ``Sequential``, ``Concatenate`` and ``LayerNormalization``."""
    layers = keras.layers
    features = keras.Input((8,), name="features")
    aux = keras.Input((4,), name="aux")
    x = layers.Dense(16, activation="relu")(features)
    shared = layers.Dense(16, activation="tanh", name="shared")
    y = layers.Add()([x, shared(shared(x))])
    y = keras.Sequential([layers.Dense(16, activation="relu")], name="block")(y)
    z = layers.LayerNormalization()(layers.Concatenate()([y, aux]))
    scores = layers.Dense(3, activation="softmax", name="class_out")(z)
    value = layers.Dense(1, name="value_out")(z)
    return keras.Model([features, aux], [scores, value])


def compile_functional(model) -> None:
    model.compile(
        optimizer="adam",
        loss=["sparse_categorical_crossentropy", "mse"],
        loss_weights=[1.0, 0.5],
        metrics=[["accuracy"], ["mae"]],
    )


def functional_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    inputs = [rng.normal(size=(32, 8)).astype("float32"), rng.normal(size=(32, 4)).astype("float32")]
    targets = [rng.integers(0, 3, 32), rng.normal(size=(32, 1)).astype("float32")]
    return inputs, targets


def residual_class(keras):
    """A subclassed model (layers in attributes, a list of layers, a ``get_config``),
    registered as ``fixtures>Residual`` in ``keras``'s registry."""

    @keras.saving.register_keras_serializable(package="fixtures")
    class Residual(keras.Model):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.inner = keras.layers.Dense(units, activation="relu")
            self.blocks = [keras.layers.Dense(units, activation="tanh"), keras.layers.Dense(units)]
            self.norm = keras.layers.LayerNormalization()
            self.head = keras.layers.Dense(2)

        def call(self, inputs, training=None):
            hidden = self.inner(inputs)
            for block in self.blocks:
                hidden = hidden + block(hidden)
            return self.head(self.norm(hidden))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Residual


def residual_data(seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, 5)).astype("float32")
    return x, x[:, :2] * 2 - 1
