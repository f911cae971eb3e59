"""Keras 2's ImageDataGenerator: ``flow`` and ``flow_from_directory`` batches (order, seeds,
subsets, class modes), the statistics of its random transforms, ``fit``, clear errors, and
``fit`` of a model on its iterators. Its transforms against Keras 2 itself are in
tests/test_augmentation_keras.py."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy", reason="ImageDataGenerator transforms images with SciPy (the [image] extra)")
pytest.importorskip("PIL", reason="flow_from_directory reads images with Pillow (the [image] extra)")

from PIL import Image  # noqa: E402

import kerasette  # noqa: E402
from kerasette.preprocessing.image import ImageDataGenerator  # noqa: E402

RNG = np.random.default_rng(1)
X = RNG.uniform(0, 255, (10, 6, 7, 3)).astype("float32")
Y = np.array([0, 1] * 5)


def test_flow_without_augmentation_rescales_in_order():
    iterator = ImageDataGenerator(rescale=0.5).flow(X, Y, batch_size=4, shuffle=False)
    assert len(iterator) == 3 and iterator.n == 10
    batches = [iterator[index] for index in range(3)]
    np.testing.assert_allclose(np.concatenate([b[0] for b in batches]), X * 0.5)
    assert np.concatenate([b[1] for b in batches]).tolist() == Y.tolist()
    weighted = ImageDataGenerator().flow(X, Y, sample_weight=np.arange(10.0), batch_size=4, shuffle=False)
    assert weighted[2][2].tolist() == [8.0, 9.0]
    assert ImageDataGenerator().flow(X, batch_size=4)[0].shape == (4, 6, 7, 3)  # x alone without y


def test_flow_seed_repeats_and_shuffles_each_epoch():
    generator = ImageDataGenerator(rotation_range=30, horizontal_flip=True)
    first, second = (generator.flow(X, Y, batch_size=5, seed=3) for _ in range(2))
    for index in range(2):
        np.testing.assert_array_equal(first[index][0], second[index][0])
    labels = [first[index][1] for index in range(2)]
    order_before = first.index_array.copy()
    first.on_epoch_end()
    assert sorted(order_before.tolist()) == list(range(10)) and not np.array_equal(order_before, first.index_array)
    assert sorted(np.concatenate(labels).tolist()) == sorted(Y.tolist())
    endless = [next(second)[0].shape[0] for _ in range(5)]  # Keras 2's endless iteration
    assert endless == [5, 5, 5, 5, 5]


def test_random_transform_parameters_follow_the_ranges():
    generator = ImageDataGenerator(
        rotation_range=20,
        width_shift_range=0.1,
        height_shift_range=[2, 4],
        shear_range=5,
        zoom_range=(0.8, 1.2),
        horizontal_flip=True,
        channel_shift_range=10,
        brightness_range=(0.5, 1.5),
    )
    kerasette.utils.set_random_seed(0)
    draws = [generator.get_random_transform((20, 30, 3)) for _ in range(3000)]
    theta = np.array([d["theta"] for d in draws])
    assert -20 <= theta.min() < -19.5 and 19.5 < theta.max() <= 20 and abs(theta.mean()) < 0.5
    assert {abs(d["tx"]) for d in draws} == {2, 4}  # a list: chosen pixel shifts, either sign
    ty = np.array([d["ty"] for d in draws])
    assert -3 <= ty.min() < -2.9 and 2.9 < ty.max() <= 3  # 0.1 of the width 30
    zooms = np.array([[d["zx"], d["zy"]] for d in draws])
    assert 0.8 <= zooms.min() and zooms.max() <= 1.2 and abs(zooms.mean() - 1.0) < 0.01
    assert abs(np.mean([d["flip_horizontal"] for d in draws]) - 0.5) < 0.04
    assert not any(d["flip_vertical"] for d in draws)
    assert all(0.5 <= d["brightness"] <= 1.5 and -10 <= d["channel_shift_intensity"] <= 10 for d in draws)


def test_fit_computes_per_channel_statistics():
    generator = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, rescale=0.1)
    generator.fit(X)
    np.testing.assert_allclose(generator.mean.ravel(), (X * 0.1).mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(generator.std.ravel(), (X * 0.1).std(axis=(0, 1, 2)), rtol=1e-4)
    flow = generator.flow(X, Y, batch_size=5, shuffle=False)
    standardized = np.concatenate([flow[index][0] for index in range(len(flow))])
    np.testing.assert_allclose(standardized.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(standardized.std(axis=(0, 1, 2)), 1, atol=1e-3)


def test_flow_subsets_take_the_first_fraction_for_validation():
    generator = ImageDataGenerator(validation_split=0.2)
    validation = generator.flow(X, Y, batch_size=10, shuffle=False, subset="validation")
    training = generator.flow(X, Y, batch_size=10, shuffle=False, subset="training")
    assert validation.n == 2 and training.n == 8
    np.testing.assert_array_equal(validation[0][0], X[:2])
    with pytest.raises(ValueError, match="different classes after the split"):
        generator.flow(X, np.array([0, 0] + [1] * 8), subset="validation")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    for name, count in (("cats", 5), ("dogs", 4)):
        (root / name).mkdir()
        for index in range(count):
            Image.new("RGB", (8, 6), (index * 20, 100, 200 if name == "dogs" else 0)).save(root / name / f"{index}.png")
    (root / "dogs" / "notes.txt").write_text("not an image")
    return root


def test_flow_from_directory_classes_files_and_modes(folder):
    generator = ImageDataGenerator(rescale=1 / 255)
    iterator = generator.flow_from_directory(folder, target_size=(6, 8), batch_size=4, shuffle=False)
    assert iterator.class_indices == {"cats": 0, "dogs": 1} and iterator.samples == 9 and len(iterator) == 3
    assert iterator.filenames[:2] == ["cats/0.png", "cats/1.png"] and iterator.classes.tolist() == [0] * 5 + [1] * 4
    images, labels = iterator[1]
    assert images.shape == (4, 6, 8, 3) and labels.tolist() == [[1, 0], [0, 1], [0, 1], [0, 1]]
    np.testing.assert_allclose(images[1, 0, 0], [0, 100 / 255, 200 / 255], atol=1e-6)
    for mode, expected in (("binary", [0.0, 1.0, 1.0, 1.0]), ("sparse", [0.0, 1.0, 1.0, 1.0])):
        assert (
            generator.flow_from_directory(folder, (6, 8), class_mode=mode, batch_size=4, shuffle=False)[1][1].tolist()
            == expected
        )
    grey = generator.flow_from_directory(folder, (3, 4), color_mode="grayscale", class_mode=None, batch_size=2)
    assert grey[0].shape == (2, 3, 4, 1)
    pair = generator.flow_from_directory(folder, (6, 8), class_mode="input", batch_size=2)[0]
    np.testing.assert_array_equal(pair[0], pair[1])
    chosen = generator.flow_from_directory(folder, (6, 8), classes=["dogs"], batch_size=2)
    assert chosen.class_indices == {"dogs": 0} and chosen.samples == 4


def test_flow_from_directory_subsets_split_each_class(folder):
    generator = ImageDataGenerator(validation_split=0.4)
    validation = generator.flow_from_directory(folder, (6, 8), subset="validation", shuffle=False)
    training = generator.flow_from_directory(folder, (6, 8), subset="training", shuffle=False)
    assert validation.filenames == ["cats/0.png", "cats/1.png", "dogs/0.png"]
    assert training.samples == 6 and "cats/2.png" in training.filenames


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: ImageDataGenerator(fill_mode="mirror"), ValueError, "fill_mode: expected 'constant'"),
        (lambda: ImageDataGenerator(zoom_range="big"), ValueError, "zoom_range: expected a number or"),
        (lambda: ImageDataGenerator(validation_split=1.0), ValueError, "validation_split: expected a number in"),
        (lambda: ImageDataGenerator(horizontal_flip="yes"), TypeError, "horizontal_flip: expected True or False"),
        (lambda: ImageDataGenerator().flow(X[0]), ValueError, "x: expected a batch of images of rank 4"),
        (lambda: ImageDataGenerator().flow(X, Y[:3]), ValueError, "y"),
        (lambda: ImageDataGenerator().flow(X, Y, subset="test"), ValueError, "subset: expected 'training'"),
        (lambda: ImageDataGenerator().flow(X, Y, batch_size=0), ValueError, "batch_size: expected an integer >= 1"),
    ],
)
def test_bad_arguments_are_refused_clearly(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_directory_arguments(folder, tmp_path):
    generator = ImageDataGenerator()
    with pytest.raises(ValueError, match="class_mode: expected one of"):
        generator.flow_from_directory(folder, class_mode="multi")
    with pytest.raises(ValueError, match="directory: no images"):
        (tmp_path / "empty").mkdir()
        generator.flow_from_directory(tmp_path)


def test_fit_and_evaluate_a_model_on_flow():
    x = RNG.uniform(0, 1, (40, 4, 4, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    model = kerasette.Sequential([kerasette.Input((4, 4, 1)), kerasette.layers.Flatten(), kerasette.layers.Dense(1)])
    model.compile("sgd", "mse")
    flow = ImageDataGenerator(horizontal_flip=True).flow(x, y, batch_size=8, seed=0)
    history = model.fit(flow, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(model.evaluate(flow, verbose=0))
