"""The image layers and ImageDataGenerator against real Keras 3.15 (goldens written by
tests/fixtures/make_augmentation_fixtures.py): the deterministic parts (Resizing, CenterCrop,
RandomCrop, a fixed rotation/zoom/shift/brightness ``factor=(x, x)``, the identity at
inference; Keras 2's ``apply_transform`` and ``standardize``), and ``.keras`` files both ways.

Tolerance: Keras computes in float32 on PyTorch, kerasette in float64 (resampling
matrices, SciPy) rounded to float32, so outputs on [0, 255] agree within 1e-6 of the
range, 2.55e-4 (the largest difference seen is 1.7e-4); the nearest-neighbour and crop
cases agree exactly.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import kerasette
from kerasette import backend, layers
from kerasette.preprocessing.image import ImageDataGenerator
from tests.keras_interchange import config_shape

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
GOLDENS = np.load(FIXTURES / "keras_augmentation_goldens.npz")
CASES = json.loads(str(GOLDENS["cases"]))
TOLERANCE = 1e-6 * 255


def _arguments(arguments: dict) -> dict:
    return {name: tuple(value) if isinstance(value, list) else value for name, value in arguments.items()}


@pytest.mark.parametrize("index", range(len(CASES["layers"])))
def test_layer_matches_keras(index):
    case = CASES["layers"][index]
    layer = getattr(layers, case["class_name"])(**_arguments(case["arguments"]))
    outputs = backend.to_numpy(layer(GOLDENS[f"layer_{index}_inputs"], training=case["training"]))
    expected = GOLDENS[f"layer_{index}_outputs"]
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=0, atol=TOLERANCE)
    arguments, height_axis = case["arguments"], -2 if case["arguments"].get("data_format") == "channels_first" else -3
    cropped = case["class_name"] == "CenterCrop" and arguments["height"] <= case["shape"][height_axis]
    if arguments.get("interpolation") == "nearest" or cropped:
        np.testing.assert_array_equal(outputs, expected)


@pytest.mark.gpu
def test_layers_compute_on_the_device_as_keras():
    """Under KERASETTE_BACKEND=cupy: device arrays in and out (cupyx.scipy.ndimage for the affine ones)."""
    for index, case in enumerate(CASES["layers"]):
        layer = getattr(layers, case["class_name"])(**_arguments(case["arguments"]))
        outputs = layer(backend.to_device(GOLDENS[f"layer_{index}_inputs"]), training=case["training"])
        assert backend.is_device_array(outputs)
        np.testing.assert_allclose(
            backend.to_numpy(outputs), GOLDENS[f"layer_{index}_outputs"], rtol=0, atol=TOLERANCE, err_msg=str(case)
        )


@pytest.mark.parametrize("index", range(len(CASES["generator"])))
def test_image_data_generator_matches_keras_2(index):
    case = CASES["generator"][index]
    generator = ImageDataGenerator(**case["arguments"])
    image = GOLDENS[f"generator_{index}_inputs"].copy()
    if case.get("fit"):
        generator.fit(GOLDENS[f"generator_{index}_fit"])
    if case.get("standardize"):
        outputs = generator.standardize(image)
    else:
        outputs = generator.apply_transform(image, case["transform"])
    np.testing.assert_allclose(outputs, GOLDENS[f"generator_{index}_outputs"], rtol=1e-6, atol=1e-4)


def test_keras_file_of_the_layers_loads_and_predicts_as_keras():
    model = kerasette.models.load_model(FIXTURES / "keras_augmentation_model.keras")
    names = [type(layer).__name__ for layer in model.layers]
    assert names[:9] == [
        "Resizing",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomCrop",
        "RandomContrast",
        "RandomBrightness",
        "CenterCrop",
    ]
    assert model.layers[3].width_range == (-0.1, 0.3) and model.layers[6].factor == (0.0, 0.3)
    predictions = model.predict(GOLDENS["model_inputs"], verbose=0)
    np.testing.assert_allclose(predictions, GOLDENS["keras_model_predictions"], rtol=1e-5, atol=1e-5)


def test_kerasette_file_that_keras_loaded_still_written_alike(tmp_path):
    """Keras loaded kerasette's file and predicted; kerasette predicts the same from it, and
    writes a file of the same structure today."""
    model = kerasette.models.load_model(FIXTURES / "kerasette_augmentation_model.keras")
    predictions = model.predict(GOLDENS["model_inputs"], verbose=0)
    np.testing.assert_allclose(predictions, GOLDENS["kerasette_model_keras_predictions"], rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "again.keras")
    import zipfile

    def config(path):
        with zipfile.ZipFile(path) as archive:
            return config_shape(json.loads(archive.read("config.json")))

    assert config(tmp_path / "again.keras") == config(FIXTURES / "kerasette_augmentation_model.keras")
