"""keras.saving.serialize_keras_object / deserialize_keras_object: kerasette reads what Keras 3
writes (tests/fixtures/keras_serialization_goldens.json, from
tests/fixtures/make_serialization_goldens.py) and writes Keras's form for the same objects."""

import json
from pathlib import Path

import numpy as np
import pytest

import kerasette as keras
from kerasette import saving

GOLDENS = json.loads((Path(__file__).parent / "fixtures" / "keras_serialization_goldens.json").read_text())

OURS = {
    "dense": lambda: keras.layers.Dense(3, activation="relu", kernel_regularizer=keras.regularizers.L2(0.2), name="d"),
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.5, momentum=0.9, nesterov=True),
    "schedule": lambda: keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    "loss": lambda: keras.losses.Huber(delta=2.0),
    "metric": lambda: keras.metrics.AUC(num_thresholds=50, curve="PR"),
    "initializer": lambda: keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", seed=3),
    "regularizer": lambda: keras.regularizers.L1L2(l1=0.1, l2=0.2),
    "constraint": lambda: keras.constraints.MaxNorm(max_value=1.5, axis=1),
    "activation": lambda: keras.activations.gelu,
    "loss_function": lambda: keras.losses.mean_absolute_error,
}


def test_what_keras_writes_is_read_back_as_the_same_objects():
    read = {name: saving.deserialize_keras_object(value) for name, value in GOLDENS.items()}
    dense = read["dense"]
    assert isinstance(dense, keras.layers.Dense) and dense.units == 3 and dense.name == "d"
    assert dense.kernel_regularizer.l2 == pytest.approx(0.2)
    sgd = read["sgd"]
    assert isinstance(sgd, keras.optimizers.SGD) and (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.5, 0.9, True)
    assert read["schedule"](20) == pytest.approx(0.1 * 0.5**2)  # staircase: floor(20 / 10)
    # Keras 3.15's Huber config does not carry delta, so Keras too reads it back as 1.0.
    assert isinstance(read["loss"], keras.losses.Huber) and read["loss"].delta == 1.0
    assert isinstance(read["metric"], keras.metrics.AUC) and read["metric"].curve == "PR"
    assert (read["initializer"].scale, read["initializer"].mode, read["initializer"].seed) == (2.0, "fan_out", 3)
    assert (read["regularizer"].l1, read["regularizer"].l2) == pytest.approx((0.1, 0.2))
    assert (read["constraint"].max_value, read["constraint"].axis) == (1.5, 1)
    assert read["activation"] is keras.activations.gelu
    assert read["loss_function"] is keras.losses.mean_absolute_error
    assert read["nested"] == {"rate": 0.5, "sizes": [2, 3], "act": keras.activations.tanh}


@pytest.mark.parametrize("name", sorted(OURS))
def test_kerasette_writes_keras_s_form(name):
    ours, theirs = saving.serialize_keras_object(OURS[name]()), GOLDENS[name]
    json.dumps(ours)  # JSON-ready
    if name != "sgd":  # Keras names the backend's optimizer module (keras.src.backend.torch...)
        assert ours["module"] == theirs["module"]
        assert ours["registered_name"] == theirs["registered_name"]
    assert ours["class_name"] == theirs["class_name"]
    if isinstance(theirs["config"], str):
        assert ours["config"] == theirs["config"]
        return
    # Names of optimizers count up per session (sgd, sgd_1, ...), as in Keras: not compared.
    shared = set(ours["config"]) & set(theirs["config"]) - {"dtype", "kernel_initializer", "bias_initializer", "name"}
    assert shared
    for key in shared:
        mine, keras_value = ours["config"][key], theirs["config"][key]
        assert mine == (pytest.approx(keras_value) if isinstance(keras_value, float) else keras_value), key


def test_round_trip_keeps_a_model_s_predictions_and_lists_and_dicts():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="tanh")])
    again = saving.deserialize_keras_object(json.loads(json.dumps(saving.serialize_keras_object(model))))
    again.set_weights(model.get_weights())
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert saving.deserialize_keras_object(saving.serialize_keras_object([1, (2, 3), {"a": None}])) == [
        1,
        [2, 3],
        {"a": None},
    ]


def test_classes_of_one_s_own_round_trip_through_registration_or_custom_objects():
    @keras.saving.register_keras_serializable(package="Tests")
    class Halve(keras.regularizers.Regularizer):
        def __init__(self, factor=0.5):
            self.factor = factor

        def __call__(self, weight):
            return self.factor * keras.ops.sum(weight)

        def get_config(self):
            return {"factor": self.factor}

    serialized = saving.serialize_keras_object(Halve(0.25))
    assert serialized["registered_name"] == "Tests>Halve"
    assert saving.deserialize_keras_object(serialized).factor == 0.25


def test_an_unknown_class_is_refused_naming_it():
    with pytest.raises(ValueError, match="cannot find the class 'Nowhere'"):
        saving.deserialize_keras_object({"module": "keras.losses", "class_name": "Nowhere", "config": {}})
    with pytest.raises(ValueError, match="no function named 'nowhere'"):
        saving.deserialize_keras_object({"class_name": "function", "config": "nowhere"})
    with pytest.raises(TypeError, match="cannot serialize"):
        saving.serialize_keras_object(object())
