"""Functional and subclassed models in files, both ways with Keras 3.

The Keras-made files and what Keras predicted come from
tests/fixtures/make_functional_fixtures.py (real Keras 3.15, torch backend); so does the
record of Keras loading the files kerasette wrote. The models are
tests/functional_interchange.py's, one definition for both frameworks.
"""

import pathlib

import numpy as np
import pytest
from functional_interchange import (
    compile_functional,
    functional_data,
    functional_model,
    residual_class,
    residual_data,
)
from keras_interchange import file_structure

import kerasette as keras

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
Residual = residual_class(keras)


def keras_arrays():
    return np.load(FIXTURES / "keras_model_files.npz")


def functional_inputs(arrays):
    return [arrays["functional_x0"], arrays["functional_x1"]], [arrays["functional_y0"], arrays["functional_y1"]]


def assert_predictions(predictions, expected, atol=1e-5):
    predictions = predictions if isinstance(predictions, list) else [predictions]
    assert len(predictions) == len(expected)
    for prediction, reference in zip(predictions, expected):
        np.testing.assert_allclose(prediction, reference, rtol=0, atol=atol)


# -- files written by Keras --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["keras_functional.keras", "keras_functional_legacy.h5"])
def test_a_keras_functional_model_loads_predicts_and_compiles_as_saved(name):
    arrays = keras_arrays()
    inputs, _ = functional_inputs(arrays)
    model = keras.models.load_model(FIXTURES / name)
    assert type(model).__name__ == "Functional"
    assert [tensor.name for tensor in model.inputs] == ["features", "aux"]
    assert model.get_layer("block").layers[0].units == 16
    assert_predictions(model.predict(inputs, verbose=0), [arrays[f"functional_predictions_{i}"] for i in range(2)])
    # Compiled as Keras compiled it: a loss and metrics per output, the loss weights.
    assert [output.weight for output in model.compiled_outputs] == [1.0, 0.5]
    assert [type(output.loss).__name__ for output in model.compiled_outputs] == [
        "SparseCategoricalCrossentropy",
        "MeanSquaredError",
    ]


def test_training_resumes_from_a_keras_functional_archive_as_in_keras():
    arrays = keras_arrays()
    inputs, targets = functional_inputs(arrays)
    model = keras.models.load_model(FIXTURES / "keras_functional.keras")
    assert model.optimizer.iterations == 4  # two epochs of two batches in Keras
    logs = model.train_on_batch(inputs, targets, return_dict=True)
    assert {"loss", "class_out_loss", "value_out_loss", "class_out_accuracy", "value_out_mae"} <= set(logs)
    assert_predictions(model.predict(inputs, verbose=0), [arrays[f"functional_resumed_{i}"] for i in range(2)])


def test_a_keras_subclassed_model_loads_by_its_registered_class_and_resumes_training():
    arrays = keras_arrays()
    model = keras.models.load_model(FIXTURES / "keras_subclassed.keras")
    assert isinstance(model, Residual) and model.units == 8
    assert_predictions(model.predict(arrays["subclassed_x"], verbose=0), [arrays["subclassed_predictions"]])
    model.train_on_batch(arrays["subclassed_x"], arrays["subclassed_y"])
    assert_predictions(model.predict(arrays["subclassed_x"], verbose=0), [arrays["subclassed_resumed"]])


def test_keras_weights_of_a_subclassed_model_load_into_a_new_instance(tmp_path):
    arrays = keras_arrays()
    source = keras.models.load_model(FIXTURES / "keras_subclassed.keras", compile=False)
    source.save_weights(tmp_path / "residual.weights.h5")
    target = Residual(units=8)
    target.build((None, 5))
    target.load_weights(tmp_path / "residual.weights.h5")
    assert_predictions(target.predict(arrays["subclassed_x"], verbose=0), [arrays["subclassed_predictions"]])


# -- files written by kerasette, loaded by real Keras 3 (the fixture's record) -----------------
WRITTEN = ["kerasette_functional.keras", "kerasette_subclassed.keras"]


def kerasette_arrays():
    return np.load(FIXTURES / "kerasette_model_files.npz")


@pytest.mark.parametrize("name", WRITTEN)
def test_real_keras_loaded_the_model_files_kerasette_wrote(name):
    import json

    entry = json.loads((FIXTURES / "kerasette_model_files.json").read_text())["files"][name]
    assert entry["loaded_by_keras"] and entry["keras_warnings"] == []
    assert entry["keras_optimizer_iterations"] == (2 if "functional" in name else 1)


@pytest.mark.parametrize("name", WRITTEN)
def test_kerasette_predicts_and_trains_on_as_keras_did_from_the_same_file(name):
    arrays = kerasette_arrays()
    key = "functional" if "functional" in name else "subclassed"
    if key == "functional":
        data, labels = functional_inputs(arrays)
    else:
        data, labels = arrays["subclassed_x"], arrays["subclassed_y"]
    outputs = 2 if key == "functional" else 1
    model = keras.models.load_model(FIXTURES / name)
    assert_predictions(model.predict(data, verbose=0), [arrays[f"{key}_keras_predictions_{i}"] for i in range(outputs)])
    model.train_on_batch(data, labels)
    assert_predictions(model.predict(data, verbose=0), [arrays[f"{key}_keras_resumed_{i}"] for i in range(outputs)])


def _functional_trained(seed):
    keras.utils.set_random_seed(seed)
    inputs, targets = functional_data(seed=2)
    model = functional_model(keras)
    compile_functional(model)
    model.fit(inputs, targets, epochs=1, batch_size=16, shuffle=False, verbose=0)
    return model, inputs


def _subclassed_trained(seed):
    keras.utils.set_random_seed(seed)
    x, y = residual_data(seed=3)
    model = Residual(units=8)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    return model, x


@pytest.mark.parametrize("name", WRITTEN)
def test_kerasette_still_writes_the_structure_keras_loaded(name, tmp_path):
    """Keras loaded the fixture file; a file written now has the same members, config keys,
    class names, HDF5 groups and dataset shapes (tests/keras_interchange.py)."""
    model, _ = (_functional_trained if "functional" in name else _subclassed_trained)(11)
    model.save(tmp_path / name)
    assert file_structure(tmp_path / name) == file_structure(FIXTURES / name)


# -- kerasette's own round trips and refusals ----------------------------------------------------
@pytest.mark.parametrize("make", [_functional_trained, _subclassed_trained], ids=["functional", "subclassed"])
def test_a_saved_model_predicts_identically_and_continues_training_identically(make, tmp_path):
    model, data = make(7)
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    expected = model.predict(data, verbose=0)
    assert_predictions(
        restored.predict(data, verbose=0), expected if isinstance(expected, list) else [expected], atol=0
    )
    assert restored.optimizer.iterations == model.optimizer.iterations


def test_a_subclassed_model_of_an_unknown_class_is_refused_by_name_and_loads_with_custom_objects(tmp_path):
    class Unregistered(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Unregistered()
    model.build((None, 3))
    model.save(tmp_path / "model.keras")
    with pytest.raises(ValueError, match="'Unregistered'.*register_keras_serializable"):
        keras.models.load_model(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras", custom_objects={"Unregistered": Unregistered})
    x = np.ones((2, 3), dtype="float32")
    assert_predictions(restored.predict(x, verbose=0), [model.predict(x, verbose=0)], atol=0)


def test_saving_a_functional_model_as_hdf5_is_refused_with_the_way_out(tmp_path):
    model, _ = _functional_trained(3)
    with pytest.raises(ValueError, match="Sequential models only.*'.keras'"):
        model.save(tmp_path / "model.h5")
    assert not (tmp_path / "model.h5").exists()
