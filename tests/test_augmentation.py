"""The image preprocessing and augmentation layers on their own: training only, seeding,
the statistics of their draws, their gradients (central differences in float64), clear
errors, one image or a batch, channels first, and ``dataset.map``.

What Keras computes for fixed parameters is checked in tests/test_augmentation_keras.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import kerasette
from kerasette import layers, utils
from kerasette.ops import tape
from tests.gradient_check import check_layer, layer_gradients

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (4, 9, 11, 3)).astype("float32")
AUGMENTING = [
    lambda: layers.RandomFlip(),
    lambda: layers.RandomRotation(0.2),
    lambda: layers.RandomZoom(0.3),
    lambda: layers.RandomTranslation(0.2, 0.2),
    lambda: layers.RandomCrop(5, 6),
    lambda: layers.RandomContrast(0.5),
    lambda: layers.RandomBrightness(0.3),
]


@pytest.mark.parametrize("make", [make for make in AUGMENTING if not isinstance(make(), layers.RandomCrop)])
def test_identity_at_inference_and_in_predict(make):
    layer = make()
    np.testing.assert_array_equal(layer(IMAGES, training=False), IMAGES)
    model = kerasette.Sequential([kerasette.Input((9, 11, 3)), layer])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)


def test_random_crop_at_inference_resizes_the_centred_window():
    model = kerasette.Sequential([kerasette.Input((9, 11, 3)), layers.RandomCrop(5, 6, seed=0)])
    window = layers.Resizing(5, 6, crop_to_aspect_ratio=True)(IMAGES)
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), window)
    model.compile("sgd", "mse")  # and in training the same size, at a random place
    assert model.train_on_batch(IMAGES, np.zeros((4, 5, 6, 3))) > 0


@pytest.mark.parametrize("make", AUGMENTING)
def test_augments_in_training_and_when_called_alone(make):
    # Keras 3's augmentation layers declare call(data, training=True).
    for outputs in (make()(IMAGES, training=True), make()(IMAGES)):
        assert outputs.shape != IMAGES.shape or not np.array_equal(outputs, IMAGES)


@pytest.mark.parametrize("make", AUGMENTING)
def test_seeded_layers_repeat_and_draw_anew_each_call(make):
    seeded = [type(make())(**{**make().get_config(), "seed": 7, "name": None}) for _ in range(2)]
    first, second = (layer(IMAGES, training=True) for layer in seeded)
    np.testing.assert_array_equal(first, second)
    again = seeded[0](IMAGES, training=True)
    assert not np.array_equal(first, again)
    utils.set_random_seed(3)
    unseeded = make()(IMAGES, training=True)
    utils.set_random_seed(3)
    np.testing.assert_array_equal(make()(IMAGES, training=True), unseeded)


def _transforms(layer, batch=4000, height=9, width=11):
    return np.asarray(layer.transforms(batch, height, width))


def test_rotation_angles_are_uniform_over_the_range():
    angles = np.degrees(np.arctan2(*_transforms(layers.RandomRotation((-0.1, 0.05), seed=1))[:, [3, 0]].T))
    assert -36 <= angles.min() < -35 and 17 < angles.max() <= 18
    assert abs(angles.mean() - (-9)) < 1.0 and abs(angles.std() - 54 / np.sqrt(12)) < 0.6


def test_zoom_and_translation_draws_are_uniform_over_their_ranges():
    zoom = _transforms(layers.RandomZoom((-0.2, 0.4), seed=1))
    assert np.array_equal(zoom[:, 0], zoom[:, 4])  # width_factor=None zooms both axes alike
    assert 0.8 <= zoom[:, 0].min() < 0.81 and 1.39 < zoom[:, 0].max() <= 1.4 and abs(zoom[:, 0].mean() - 1.1) < 0.01
    both = _transforms(layers.RandomZoom(0.2, (0.5, 0.5), seed=1))
    assert np.all(both[:, 0] == 1.5) and both[:, 4].std() > 0.1
    shifts = _transforms(layers.RandomTranslation((0.0, 0.5), 0.1, seed=2))
    rows, columns = -shifts[:, 5] / 9, -shifts[:, 2] / 11
    assert 0 <= rows.min() < 0.01 and 0.49 < rows.max() <= 0.5 and abs(rows.mean() - 0.25) < 0.01
    assert abs(columns.mean()) < 0.005 and -0.1 <= columns.min() and columns.max() <= 0.1


def test_flip_halves_and_modes():
    line = np.arange(6.0).reshape(1, 2, 3, 1)
    many = np.repeat(line, 4000, axis=0)
    flipped = layers.RandomFlip("horizontal", seed=0)(many, training=True)
    mirrored = np.all(flipped == line[:, :, ::-1], axis=(1, 2, 3))
    assert np.all(mirrored | np.all(flipped == line, axis=(1, 2, 3)))
    assert abs(mirrored.mean() - 0.5) < 0.03  # 4 standard deviations of 4000 coin flips
    both = layers.RandomFlip(seed=0)(many, training=True)
    turned = np.all(both == line[:, ::-1, ::-1], axis=(1, 2, 3))
    assert np.all(turned | np.all(both == line, axis=(1, 2, 3))) and 0.45 < turned.mean() < 0.55
    vertical = layers.RandomFlip("vertical", seed=0)(many, training=True)
    assert np.all(np.all(vertical == line[:, ::-1], axis=(1, 2, 3)) | np.all(vertical == line, axis=(1, 2, 3)))


def test_brightness_and_contrast_draws_and_clipping():
    flat = np.full((4000, 2, 2, 1), 100.0)
    brighter = layers.RandomBrightness((-0.1, 0.2), seed=0)(flat, training=True)[:, 0, 0, 0] - 100
    assert -25.5 <= brighter.min() < -25 and 50.5 < brighter.max() <= 51 and abs(brighter.mean() - 12.75) < 0.5
    assert layers.RandomBrightness((0.9, 0.9))(flat, training=True).max() == 255
    pair = np.repeat(np.array([[[[40.0], [60.0]]]]), 4000, axis=0)
    raised = layers.RandomContrast(0.5, seed=0)(pair, training=True)
    spread = (raised[:, 0, 1, 0] - raised[:, 0, 0, 0]) / 20  # the drawn factor
    np.testing.assert_allclose(raised.mean(axis=(1, 2, 3)), 50, atol=1e-4)
    assert 1.0 <= spread.min() < 1.01 and 1.49 < spread.max() <= 1.5  # Keras: one number f means [1, 1 + f]
    assert layers.RandomContrast((0.0, 1.0), value_range=(45, 55))(pair, training=True).min() >= 45


def _deterministic(layer, seed=5):
    """The layer with every call drawing the same numbers, so that central differences apply."""
    layer.generator = lambda: np.random.default_rng(seed)
    return layer


GRADIENT_CASES = [
    (lambda: _deterministic(layers.RandomFlip()), (3, 4, 5, 2)),
    (lambda: _deterministic(layers.RandomFlip("vertical", data_format="channels_first")), (3, 2, 4, 5)),
    (lambda: layers.Resizing(3, 7), (2, 5, 4, 2)),
    (lambda: layers.Resizing(6, 3, interpolation="bicubic", antialias=True), (2, 5, 7, 1)),
    (lambda: layers.Resizing(4, 4, interpolation="nearest", crop_to_aspect_ratio=True), (1, 5, 7, 2)),
    (lambda: layers.Resizing(4, 2, pad_to_aspect_ratio=True, fill_value=3.0), (1, 5, 5, 2)),
    (lambda: layers.CenterCrop(3, 2), (2, 5, 4, 2)),
    (lambda: layers.CenterCrop(6, 3), (2, 4, 4, 1)),
    (lambda: _deterministic(layers.RandomCrop(3, 2)), (2, 5, 4, 2)),
    (lambda: _deterministic(layers.RandomCrop(6, 3)), (2, 4, 4, 1)),
    (lambda: _deterministic(layers.RandomBrightness(0.5, value_range=(0, 1))), (3, 3, 4, 2)),
    (lambda: _deterministic(layers.RandomContrast(0.9, value_range=(0.1, 0.9))), (3, 3, 4, 2)),
]


@pytest.mark.parametrize("make, shape", GRADIENT_CASES)
def test_input_gradient_matches_central_differences(float64, make, shape):
    check_layer(make(), RNG.uniform(0, 1, shape), RNG, training=True)


@pytest.mark.parametrize("make", [lambda: layers.RandomRotation(0.1), lambda: layers.RandomZoom(0.1)])
def test_affine_layers_refuse_an_input_gradient_while_augmenting(float64, make):
    images = np.asarray(RNG.uniform(0, 1, (2, 4, 4, 1)))
    with pytest.raises(NotImplementedError, match="gradient with respect to its inputs is not computed"):
        layer_gradients(make(), images, np.ones_like(images), training=True)
    grad, _ = layer_gradients(make(), images, np.full_like(images, 2.0), training=False)  # the identity
    np.testing.assert_array_equal(tape.unwrap(grad), 2.0)


def test_first_in_a_trained_model_needs_no_input_gradient():
    model = kerasette.Sequential(
        [kerasette.Input((6, 6, 1)), layers.RandomRotation(0.1, seed=0), layers.RandomZoom(0.1), layers.Flatten()]
        + [layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    history = model.fit(RNG.uniform(0, 1, (8, 6, 6, 1)), np.ones(8), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.RandomRotation(1.5), "factor: expected a number or a pair of numbers in \\[-1.0, 1.0\\]"),
        (lambda: layers.RandomRotation((0.1, 2)), "received \\(0.1, 2\\)"),
        (lambda: layers.RandomZoom(-1.0, fill_mode="reflect"), "height_factor: .* in \\(-1.0, 1.0\\]"),
        (lambda: layers.RandomZoom(0.1, fill_mode="mirror"), "fill_mode: expected 'reflect', 'wrap', 'constant'"),
        (lambda: layers.RandomTranslation(0.1, 0.1, interpolation="bicubic"), "interpolation: expected"),
        (lambda: layers.RandomFlip("diagonal"), "mode: expected 'horizontal'"),
        (lambda: layers.RandomContrast(-0.1), "factor: .* in \\[0.0, 1.0\\]"),
        (lambda: layers.RandomBrightness(0.1, value_range=(1, 1)), "value_range: expected two different"),
        (lambda: layers.Resizing(0, 3), "height: expected a positive integer; received 0"),
        (lambda: layers.Resizing(2, 3, interpolation="lanczos3"), "interpolation: expected 'bilinear'"),
        (lambda: layers.Resizing(2, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "at most one"),
        (lambda: layers.CenterCrop(2, 3, data_format="NHWC"), "data_format: expected 'channels_last'"),
    ],
)
def test_bad_arguments_are_refused_clearly(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_images_of_the_wrong_rank_are_refused():
    with pytest.raises(ValueError, match=r"random_flip.*expected images of rank 4 .* received shape \(3, 4\)"):
        layers.RandomFlip(name="random_flip")(np.zeros((3, 4)), training=True)


@pytest.mark.parametrize("make", AUGMENTING + [lambda: layers.Resizing(4, 5), lambda: layers.CenterCrop(4, 5)])
def test_one_image_and_channels_first_give_what_a_batch_gives(make):
    config = {**make().get_config(), "seed": 11, "name": None}
    cls = type(make())
    batch = cls(**config)(IMAGES[:1], training=True)
    single = cls(**config)(IMAGES[0], training=True)
    np.testing.assert_allclose(single, batch[0], rtol=1e-6, atol=1e-4)
    first = cls(**{**config, "data_format": "channels_first"})(IMAGES[:1].transpose(0, 3, 1, 2), training=True)
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), batch, rtol=1e-6, atol=1e-4)


def test_in_dataset_map_and_output_shapes():
    dataset = utils.Dataset.from_tensor_slices((IMAGES, np.arange(4))).batch(2)
    augment = kerasette.Sequential([layers.RandomFlip("horizontal", seed=1), layers.RandomCrop(5, 6, seed=2)])
    mapped = dataset.map(lambda x, y: (augment(x, training=True), y))
    batches = list(mapped)
    assert [b[0].shape for b in batches] == [(2, 5, 6, 3), (2, 5, 6, 3)] and batches[1][1].tolist() == [2, 3]
    assert layers.Resizing(4, 5).compute_output_shape((None, 9, 11, 3)) == (None, 4, 5, 3)
    assert layers.CenterCrop(4, 5, data_format="channels_first").compute_output_shape((None, 3, 9, 11)) == (
        None,
        3,
        4,
        5,
    )
