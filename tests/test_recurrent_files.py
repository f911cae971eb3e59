"""Recurrent layers in Keras 3's files: models written by real Keras 3
(tests/fixtures/make_rnn_fixtures.py, which also checked that Keras loads kerasette's
files of the same model, recorded in kerasette_rnn_written.json) load in kerasette and
predict what Keras predicted; kerasette's own files of the model load back alike."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from rnn_cases import file_model

import kerasette

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
STORED = np.load(FIXTURES / "keras_rnn_model.npz", allow_pickle=False)


@pytest.mark.parametrize("name", ["keras_rnn_model.keras", "keras_rnn_model_legacy.h5"])
def test_keras_models_load_and_predict(name):
    model = kerasette.models.load_model(FIXTURES / name)
    np.testing.assert_allclose(model.predict(STORED["inputs"], verbose=0), STORED["predictions"], atol=1e-5, rtol=0)


def test_keras_weights_file_loads():
    model = file_model(kerasette)
    model.load_weights(FIXTURES / "keras_rnn_model.weights.h5")
    np.testing.assert_allclose(model.predict(STORED["inputs"], verbose=0), STORED["predictions"], atol=1e-5, rtol=0)


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_kerasette_files_round_trip(tmp_path, suffix):
    model = kerasette.models.load_model(FIXTURES / "keras_rnn_model.keras")
    path = tmp_path / f"model{suffix}"
    if suffix == ".weights.h5":
        model.save_weights(path)
        loaded = file_model(kerasette)
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = kerasette.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(STORED["inputs"], verbose=0), STORED["predictions"], atol=1e-5, rtol=0)


def test_keras_loaded_kerasette_files():
    record = json.loads((FIXTURES / "kerasette_rnn_written.json").read_text())
    assert set(record["files"]) == {
        "kerasette_rnn_model.keras",
        "kerasette_rnn_model.h5",
        "kerasette_rnn_model.weights.h5",
    }
    for entry in record["files"].values():
        assert entry["loaded_by_keras"] and entry["max_abs_difference_from_kerasette"] < 1e-5


def test_weights_file_of_another_model_is_refused(tmp_path):
    model = kerasette.Sequential([kerasette.Input((5, 4)), kerasette.layers.LSTM(3)])
    with pytest.raises(ValueError, match="layers/lstm/cell"):
        model.load_weights(FIXTURES / "keras_rnn_model.weights.h5")
