"""The registry of serializable objects: Keras's register_keras_serializable,
get_registered_object and custom_objects=, and a model with a user layer saved and loaded."""

from __future__ import annotations

import numpy as np
import pytest

from kerasette import Sequential, layers, losses, registry, saving
from kerasette.models import load_model


class Scale(layers.Layer):
    """A user layer written the way kerasette's own are: forward, backward, config."""

    def __init__(self, factor: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def trained_model_with(layer: layers.Layer) -> Sequential:
    model = Sequential([layers.Dense(3, input_shape=(4,)), layer, layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).standard_normal((16, 4)).astype("float32")
    model.fit(x, np.arange(16) % 2, batch_size=4, epochs=2, verbose=0)
    return model


def test_register_keras_serializable_names_the_package_and_finds_the_class_both_ways():
    @saving.register_keras_serializable(package="RegistryTest")
    class Halve(layers.Layer):
        pass

    assert saving.get_registered_name(Halve) == "RegistryTest>Halve"
    assert saving.get_registered_object("RegistryTest>Halve") is Halve
    assert saving.get_registered_object("Halve") is Halve  # the plain name, when unambiguous
    assert saving.get_registered_object("NoSuchThing") is None
    assert saving.get_registered_name(layers.Dense) == "Dense"


def test_registering_a_second_object_under_a_taken_name_is_refused():
    @saving.register_keras_serializable(package="RegistryTest", name="Taken")
    class First(layers.Layer):
        pass

    with pytest.raises(ValueError, match="'RegistryTest>Taken' is already registered"):

        @saving.register_keras_serializable(package="RegistryTest", name="Taken")
        class Second(layers.Layer):
            pass


def test_a_class_without_get_config_cannot_be_registered():
    with pytest.raises(ValueError, match="NoConfig has no get_config"):

        @saving.register_keras_serializable(package="RegistryTest")
        class NoConfig:
            pass


def test_lookup_order_is_scope_then_registered_then_custom_objects_then_module_objects():
    class A:
        pass

    class B:
        pass

    assert registry.get_registered_object("X", custom_objects={"X": A}, module_objects={"X": B}) is A
    assert registry.get_registered_object("X", module_objects={"X": B}) is B
    with saving.custom_object_scope({"X": B}):
        assert registry.get_registered_object("X", custom_objects={"X": A}) is B
    assert registry.get_registered_object("X") is None


def test_builtins_resolve_by_short_name_class_name_and_config():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    loss = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert loss.from_logits is True
    dense = layers.deserialize({"class_name": "Dense", "config": {"units": 5, "activation": "relu"}})
    assert dense.units == 5 and dense.activation.name == "relu"
    with pytest.raises(ValueError, match="layer: unknown name 'Dence'; did you mean 'Dense'"):
        layers.deserialize("Dence")


def test_a_model_with_a_user_layer_needs_custom_objects_to_load(tmp_path):
    model = trained_model_with(Scale(3.0))
    path = tmp_path / "model.h5"
    model.save(path)
    with pytest.raises(ValueError, match="layer: unknown name 'Scale'"):
        load_model(path)

    restored = load_model(path, custom_objects={"Scale": Scale})
    x = np.random.default_rng(1).standard_normal((5, 4)).astype("float32")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert isinstance(restored.layers[1], Scale) and restored.layers[1].factor == 3.0
    assert restored.optimizer.iterations == model.optimizer.iterations
    # The scope ended with the load: the next load without custom_objects fails again.
    with pytest.raises(ValueError, match="Scale"):
        load_model(path)


def test_a_registered_user_layer_loads_without_custom_objects_and_trains_on(tmp_path):
    @saving.register_keras_serializable(package="RegistryTest")
    class Shift(layers.Layer):
        def __init__(self, offset: float = 1.0, **kwargs):
            super().__init__(**kwargs)
            self.offset = offset

        def call(self, inputs):
            return inputs + self.offset

        def get_config(self):
            return {**super().get_config(), "offset": self.offset}

    model = trained_model_with(Shift(0.5))
    path = tmp_path / "model.h5"
    model.save(path)
    assert model.get_config()["layers"][1]["class_name"] == "RegistryTest>Shift"

    restored = load_model(path)
    assert type(restored.layers[1]) is Shift and restored.layers[1].offset == 0.5
    x = np.random.default_rng(2).standard_normal((8, 4)).astype("float32")
    y = np.arange(8) % 2
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    restored.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for expected, actual in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(actual, expected)


def test_custom_objects_must_be_a_dict_of_names():
    with pytest.raises(TypeError, match="custom_objects: expected a dict"):
        layers.deserialize({"class_name": "Dense", "config": {"units": 2}}, custom_objects=[Scale])


def test_a_registered_class_never_shadows_a_builtin_of_the_same_plain_name():
    @saving.register_keras_serializable(package="RegistryTest", name="Dense")
    class MyDense(layers.Layer):
        pass

    assert type(layers.deserialize({"class_name": "Dense", "config": {"units": 2}})) is layers.Dense
    assert saving.get_registered_object("RegistryTest>Dense") is MyDense
