"""The layers added for issue 19 in files and in training: Keras-made ``.keras`` models of
them load and predict as Keras did (tests/fixtures/make_layer_catalogue_fixtures.py,
which also checked that real Keras loads kerasette's re-saved copies), kerasette's own
files round-trip, and a model of them trains."""

import io
import json
import pathlib
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette.models import load_model
from tests.catalogue_models import image_model, sequence_volume_model

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
GOLDENS = np.load(FIXTURES / "keras_layer_catalogue.npz")
MODELS = {"images": image_model, "sequences": sequence_volume_model}


def archive_layers(path) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["config"]["layers"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_made_models_load_and_predict_as_keras(name):
    path = FIXTURES / f"keras_catalogue_{name}.keras"
    model = load_model(path)
    expected = [entry["class_name"] for entry in archive_layers(path) if entry["class_name"] != "InputLayer"]
    assert [type(layer).__name__ for layer in model.layers] == expected
    predictions = model.predict(GOLDENS[f"{name}_inputs"], verbose=0)
    np.testing.assert_allclose(predictions, GOLDENS[f"{name}_predictions"], rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_resaved_keras_models_keep_keras_configs(name, tmp_path):
    """What kerasette writes of a Keras file is, layer by layer, the config Keras wrote."""
    path = FIXTURES / f"keras_catalogue_{name}.keras"
    load_model(path).save(tmp_path / "again.keras")
    for theirs, ours in zip(archive_layers(path), archive_layers(tmp_path / "again.keras"), strict=True):
        assert ours["class_name"] == theirs["class_name"]
        if theirs["class_name"] == "Dense":  # not of this issue: kerasette writes an unset activity_regularizer
            continue
        assert sorted(ours["config"]) == sorted(theirs["config"])
        for key, value in theirs["config"].items():
            if key == "dtype" and isinstance(value, dict):  # Keras adds a shared_object_id of its own process
                assert ours["config"][key]["config"]["name"] == value["config"]["name"]
            elif not key.endswith("initializer"):
                assert ours["config"][key] == value, (theirs["class_name"], key)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_kerasette_models_round_trip(name, suffix, tmp_path):
    kerasette.utils.set_random_seed(1)
    model = MODELS[name](kerasette)
    inputs = GOLDENS[f"{name}_inputs"]
    path = tmp_path / f"model{suffix}"
    if suffix == ".keras":
        model.save(path)
        loaded = load_model(path)
    else:
        model.save_weights(path)
        kerasette.utils.set_random_seed(2)
        loaded = MODELS[name](kerasette)
        loaded.load_weights(path)
    for saved, restored in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, restored)
    np.testing.assert_array_equal(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_model_of_the_new_layers_trains_every_weight(name):
    """fit lowers the loss, and every weight moves: the gradient reaches each layer."""
    kerasette.utils.set_random_seed(4)
    model = MODELS[name](kerasette)
    rng = np.random.default_rng(4)
    inputs = rng.standard_normal((32, *GOLDENS[f"{name}_inputs"].shape[1:])).astype("float32")
    targets = rng.standard_normal((32, model.output_shape[-1])).astype("float32")
    model.compile(kerasette.optimizers.Adam(0.01), "mse")
    before, weights = model.evaluate(inputs, targets, verbose=0), model.get_weights()
    model.fit(inputs, targets, batch_size=8, epochs=4, verbose=0)
    assert model.evaluate(inputs, targets, verbose=0) < before
    for variable, old in zip(model.weights, weights, strict=True):
        assert not np.allclose(kerasette.backend.to_numpy(variable.value), old), variable.path


def test_activity_regularization_adds_keras_penalty_to_the_loss():
    layer = kerasette.layers.ActivityRegularization(l1=0.1, l2=0.2)
    inputs = np.array([[1.0, -2.0], [3.0, 0.5]], dtype="float32")
    layer(inputs, training=True)
    expected = (0.1 * np.abs(inputs).sum() + 0.2 * (inputs**2).sum()) / 2  # divided by the batch size
    assert float(kerasette.backend.to_numpy(layer.losses[0])) == pytest.approx(expected, rel=1e-6)
    assert layer.get_config()["l1"] == 0.1 and "activity_regularizer" not in layer.get_config()


def test_archives_hold_no_pickle():
    for name in MODELS:
        with zipfile.ZipFile(FIXTURES / f"keras_catalogue_{name}.keras") as archive:
            assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
            assert json.load(io.BytesIO(archive.read("metadata.json")))["keras_version"].startswith("3.")


@pytest.mark.parametrize(
    "make, weight, prefix",
    [
        (lambda **options: kerasette.layers.Conv1DTranspose(2, 3, **options), "kernel", "kernel"),
        (lambda **options: kerasette.layers.DepthwiseConv1D(3, **options), "kernel", "depthwise"),
        (lambda **options: kerasette.layers.SeparableConv1D(2, 3, **options), "pointwise_kernel", "pointwise"),
        (lambda **options: kerasette.layers.SeparableConv1D(2, 3, **options), "bias", "bias"),
    ],
)
def test_convolution_regularizers_and_constraints_act_on_their_weight(make, weight, prefix):
    options = {f"{prefix}_regularizer": kerasette.regularizers.L2(0.1), f"{prefix}_constraint": "non_neg"}
    model = kerasette.Sequential([kerasette.layers.Input((5, 2)), make(**options), kerasette.layers.Flatten()])
    layer = model.layers[0]
    variable = layer.params[weight]
    variable.assign(-np.abs(np.random.default_rng(5).standard_normal(variable.shape)) - 0.1)
    penalty = 0.1 * float((kerasette.backend.to_numpy(variable.value) ** 2).sum())
    assert float(kerasette.backend.to_numpy(sum(model.losses))) == pytest.approx(penalty, rel=1e-5)
    model.compile(kerasette.optimizers.SGD(0.01), "mse")
    inputs = np.random.default_rng(6).standard_normal((4, 5, 2)).astype("float32")
    model.fit(inputs, np.zeros((4, model.output_shape[-1]), "float32"), epochs=1, verbose=0)
    assert (kerasette.backend.to_numpy(variable.value) >= 0).all()  # the constraint projected it
    config = layer.get_config()
    assert config[f"{prefix}_regularizer"] == {"class_name": "L2", "config": {"l2": 0.1}}
    assert config[f"{prefix}_constraint"]["class_name"] == "NonNeg"
