"""The layers of Keras's catalogue added for issue 19, against Keras 3 itself: for every
configuration of tests/catalogue_models.py's ``cases()``, the outputs of kerasette's layer
given Keras's weights and inputs equal Keras's (to 1e-5), its weights have Keras's names
and shapes, and its config, translated for a ``.keras`` file, has exactly Keras's keys
with Keras's values (goldens: tests/fixtures/make_layer_catalogue_fixtures.py)."""

import json
import pathlib

import numpy as np
import pytest

from kerasette import backend, layers
from kerasette.saving.keras_layers import from_keras_layer, to_keras_layer

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
GOLDENS = np.load(FIXTURES / "keras_layer_catalogue.npz")
CASES = json.loads(GOLDENS["cases"].tobytes().decode())


def case_id(index: int) -> str:
    case = CASES[index]
    arguments = ",".join(f"{key}={value}" for key, value in case["arguments"].items())
    return f"{index}-{case['layer']}({arguments})"


def kerasette_layer(index: int):
    case = CASES[index]
    layer = getattr(layers, case["layer"])(**case["arguments"])
    inputs = GOLDENS[f"case{index}_inputs"]
    layer.build((None, *inputs.shape[1:]))
    weights = [GOLDENS[f"case{index}_weight{number}"] for number in range(len(case["weights"]))]
    layer.set_weights(weights)
    return layer, inputs


@pytest.mark.parametrize("index", range(len(CASES)), ids=case_id)
def test_outputs_equal_keras(index):
    layer, inputs = kerasette_layer(index)
    expected = GOLDENS[f"case{index}_outputs"]
    outputs = backend.to_numpy(layer(inputs))
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, *inputs.shape[1:])) == (None, *expected.shape[1:])


@pytest.mark.parametrize("index", range(len(CASES)), ids=case_id)
def test_weights_and_config_match_keras(index):
    case = CASES[index]
    layer, _ = kerasette_layer(index)
    assert [weight.name for weight in layer.weights] == case["weights"]
    keras_config = case["keras_config"]
    ours = json.loads(json.dumps(to_keras_layer(layer)["config"]))
    assert sorted(ours) == sorted(keras_config)
    for key, value in keras_config.items():
        if key not in ("name", "dtype") and not key.endswith("initializer"):
            assert ours[key] == value, key
    # And Keras's config read back builds the same layer.
    entry = {"class_name": case["layer"], "config": keras_config}
    rebuilt = layers.deserialize(from_keras_layer(entry, "goldens.keras"))
    assert rebuilt.get_config() == {**layer.get_config(), "name": rebuilt.name}
