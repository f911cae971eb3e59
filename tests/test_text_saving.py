"""TextVectorization models in ``.keras`` archives, both ways with Keras 3: the vocabulary as an
asset member, IDF weights in model.weights.h5. The files and Keras's predictions come from
tests/fixtures/make_text_model_fixtures.py, run with real Keras."""

import json
import pathlib
import zipfile

import numpy as np
import pytest

import kerasette as keras

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
RECORD = json.loads((FIXTURES / "keras_text_models.json").read_text())
MODES = ("int", "multi_hot", "tf_idf")
INPUTS = np.array(RECORD["inputs"])


@pytest.mark.parametrize("mode", MODES)
def test_kerasette_loads_keras_text_models_and_predicts_as_keras(mode):
    model = keras.saving.load_model(str(FIXTURES / f"keras_text_{mode}.keras"))
    np.testing.assert_allclose(model.predict(INPUTS, verbose=0), RECORD["keras"][mode], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_keras_predicted_from_kerasette_files_what_kerasette_predicts(mode):
    model = keras.saving.load_model(str(FIXTURES / f"kerasette_text_{mode}.keras"))
    assert model.layers[0].get_vocabulary() == RECORD["kerasette_vocabularies"][mode]
    np.testing.assert_allclose(model.predict(INPUTS, verbose=0), RECORD["kerasette"][mode], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_kerasette_still_writes_the_archive_keras_read(mode, tmp_path):
    model = keras.saving.load_model(str(FIXTURES / f"kerasette_text_{mode}.keras"))
    path = tmp_path / "again.keras"
    model.save(str(path))
    with zipfile.ZipFile(path) as written, zipfile.ZipFile(FIXTURES / f"kerasette_text_{mode}.keras") as fixture:
        assert sorted(written.namelist()) == sorted(fixture.namelist())
        for name in written.namelist():
            if name.startswith("assets/"):
                assert written.read(name) == fixture.read(name)
        config = json.loads(written.read("config.json"))["config"]["layers"][0]["config"]
        assert config["dtype"] == "string" and config["batch_shape"] == [None, 1]
    reloaded = keras.saving.load_model(str(path))
    np.testing.assert_allclose(reloaded.predict(INPUTS, verbose=0), RECORD["kerasette"][mode], rtol=1e-5, atol=1e-5)


def test_a_vocabulary_given_as_an_argument_stays_in_the_config(tmp_path):
    vectorizer = keras.layers.TextVectorization(vocabulary=["b", "a"], output_sequence_length=3)
    model = keras.Sequential([vectorizer, keras.layers.Dense(1)])
    model.build((None, 1))
    model.save(str(tmp_path / "given.keras"))
    with zipfile.ZipFile(tmp_path / "given.keras") as archive:
        assert not [name for name in archive.namelist() if name.startswith("assets/")]
    loaded = keras.saving.load_model(str(tmp_path / "given.keras"))
    assert loaded.layers[0].get_vocabulary() == ["", "[UNK]", "b", "a"]
    np.testing.assert_allclose(
        loaded.predict(np.array([["a b c"]]), verbose=0), model.predict(np.array([["a b c"]]), verbose=0)
    )


def test_a_functional_text_model_round_trips_with_its_string_input(tmp_path):
    vectorizer = keras.layers.TextVectorization(output_mode="tf_idf")
    vectorizer.adapt(["good movie", "bad movie", "good fun"])
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, keras.layers.Dense(2)(vectorizer(inputs)))
    texts = np.array([["good movie"], ["unknown words"]])
    model.save(str(tmp_path / "functional.keras"))
    with zipfile.ZipFile(tmp_path / "functional.keras") as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
        assert layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["dtype"] == "string"
    loaded = keras.saving.load_model(str(tmp_path / "functional.keras"))
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), model.predict(texts, verbose=0), rtol=1e-6)
