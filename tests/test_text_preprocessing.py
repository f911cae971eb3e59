"""The text and sequence preprocessing against Keras 3: every case of
tests/fixtures/keras_text_goldens.json (written by make_text_fixtures.py with real Keras)
replayed with kerasette: outputs, vocabularies and IDF weights."""

import json
import pathlib

import numpy as np
import pytest

from kerasette import backend, layers, utils

LAYERS = ("TextVectorization", "StringLookup", "IntegerLookup", "Hashing", "CategoryEncoding")
GOLDENS = json.loads((pathlib.Path(__file__).parent / "fixtures" / "keras_text_goldens.json").read_text())


def host(value):
    return value if isinstance(value, np.ndarray) else backend.to_numpy(value)


def cases(name):
    return [pytest.param(case, id=f"{name}-{index}") for index, case in enumerate(GOLDENS[name])]


def layer_cases():
    return [
        pytest.param(name, case, id=f"{name}-{index}") for name in LAYERS for index, case in enumerate(GOLDENS[name])
    ]


def replay(layer_class, case):
    layer = layer_class(**case["config"])
    if case["adapt"] is not None:
        layer.adapt(case["adapt"])
    outputs = host(layer(np.array(case["inputs"])))
    expected = np.array(case["outputs"])
    assert outputs.shape == expected.shape
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)
    else:
        assert outputs.tolist() == expected.tolist()
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
    if "idf_weights" in case:
        np.testing.assert_allclose(layer.idf_weights, case["idf_weights"], rtol=1e-6)
    return layer


@pytest.mark.parametrize("name, case", layer_cases())
def test_layer_outputs_and_vocabularies_match_keras(name, case):
    replay(getattr(layers, name), case)


@pytest.mark.parametrize("case", cases("pad_sequences"))
def test_pad_sequences_matches_keras(case):
    padded = utils.pad_sequences(case["inputs"], **case["config"])
    assert padded.dtype == np.dtype(case["config"].get("dtype", "int32"))
    assert padded.tolist() == case["outputs"]


@pytest.mark.parametrize("case", cases("timeseries"))
def test_timeseries_windows_match_keras(case):
    config = dict(case["config"])
    no_targets = config.pop("no_targets", False)
    dataset = utils.timeseries_dataset_from_array(np.arange(20) * 10, None if no_targets else np.arange(20), **config)
    elements = [element.tolist() if no_targets else [part.tolist() for part in element] for element in dataset]
    assert elements == case["elements"]
    assert len(dataset) == len(case["elements"])
