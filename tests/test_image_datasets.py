"""image_dataset_from_directory, text_dataset_from_directory and the image file utilities,
against Keras 3's documented behaviour (keras/src/utils/image_dataset_utils.py,
dataset_utils.py, image_utils.py).

The folders are generated here with Pillow. Most images are uniform grey squares whose
level encodes the file's number, so a decoded image says which file it came from, and
the order, labels and splits can be checked element by element.
"""

import os
import pathlib
import sys
import threading

import numpy as np
import pytest

pytest.importorskip("PIL", reason="needs Pillow (the [image] extra)")
from PIL import Image

import kerasette as keras
from kerasette import layers
from kerasette.utils import (
    array_to_img,
    image_dataset_from_directory,
    image_utils,
    img_to_array,
    load_img,
    save_img,
    set_random_seed,
    text_dataset_from_directory,
)

CLASSES = ("cats", "dogs")  # sorted: cats is class 0


def level_of(number: int) -> int:
    return 8 + 6 * number  # distinct grey levels, far enough apart to survive JPEG


def make_grey_folder(root: pathlib.Path, per_class: int = 12) -> list[str]:
    """Uniform grey images in cats/ and dogs/ (PNG, JPEG, an upper-case .PNG, one in a nested
    folder), plus text files Keras ignores; returns Keras's sorted file order."""
    number = 0
    for name in CLASSES:
        for index in range(per_class):
            folder = root / name / ("nested" if index == per_class - 1 else "")
            folder.mkdir(parents=True, exist_ok=True)
            suffix = (".png", ".jpg", ".PNG", ".jpeg")[index % 4]
            size = (20 + index, 16) if index % 2 else (16, 24)
            Image.new("RGB", size, (level_of(number),) * 3).save(folder / f"{index:02d}{suffix}")
            number += 1
        (root / name / "notes.txt").write_text("not an image")
    expected = []
    for name in CLASSES:
        for base, _, files in sorted(os.walk(root / name), key=lambda walked: walked[0]):
            expected += [os.path.join(base, f) for f in sorted(files) if not f.endswith(".txt")]
    return expected


@pytest.fixture(scope="module")
def grey(tmp_path_factory):
    root = tmp_path_factory.mktemp("grey")
    return root, make_grey_folder(root)


def number_of(image: np.ndarray) -> int:
    """The file number a uniform grey image encodes."""
    return int(round((float(image.mean()) - 8) / 6))


def load(root, **kwargs):
    kwargs = {"image_size": (8, 8), "verbose": False, **kwargs}
    return image_dataset_from_directory(root, **kwargs)


def elements(dataset):
    return [(number_of(image), int(label)) for image, label in dataset.unbatch()]


def test_files_classes_and_order_follow_keras(grey):
    root, expected = grey
    dataset = load(root, shuffle=False, batch_size=5)
    assert dataset.class_names == ["cats", "dogs"]
    # Sorted class folders, each walked with os.walk in sorted order; .txt and hidden folders skipped.
    assert [os.path.normpath(p) for p in dataset.file_paths] == [os.path.normpath(p) for p in expected]
    assert len(dataset) == 5 and dataset.cardinality() == 5  # ceil(24 / 5)
    batches = list(dataset)
    assert [len(images) for images, _ in batches] == [5, 5, 5, 5, 4]
    assert elements(dataset) == [(number, number // 12) for number in range(24)]


def test_shuffle_is_keras_seeded_permutation_then_a_new_order_each_epoch(grey):
    root, expected = grey
    dataset = load(root, seed=1337, batch_size=4)
    order = list(range(len(expected)))
    np.random.RandomState(1337).shuffle(order)  # Keras: RandomState(seed).shuffle(file_paths)
    assert [os.path.normpath(p) for p in dataset.file_paths] == [os.path.normpath(expected[i]) for i in order]
    first, second = elements(dataset), elements(dataset)
    assert sorted(first) == sorted(second) == [(n, n // 12) for n in range(24)]  # labels follow their files
    assert first != second  # reshuffled each epoch, as Keras's shuffle buffer
    again = load(root, seed=1337, batch_size=4)
    assert [elements(again), elements(again)] == [first, second]  # deterministic given the seed


def test_validation_split_takes_the_last_files_and_both_gives_the_pair(grey):
    root, _ = grey
    training = load(root, seed=3, validation_split=0.25, subset="training")
    validation = load(root, seed=3, validation_split=0.25, subset="validation")
    pair = load(root, seed=3, validation_split=0.25, subset="both")
    everything = load(root, seed=3)
    assert len(validation.file_paths) == int(0.25 * 24) == 6
    assert training.file_paths == everything.file_paths[:-6]
    assert validation.file_paths == everything.file_paths[-6:]
    assert [d.file_paths for d in pair] == [training.file_paths, validation.file_paths]
    # The validation half of "both" is not shuffled: it iterates in file_paths order.
    paths_numbers = [expected_number(p) for p in pair[1].file_paths]
    assert [number for number, _ in elements(pair[1])] == paths_numbers


def expected_number(path: str) -> int:
    parts = pathlib.Path(path).parts
    class_index = CLASSES.index(parts[-2] if parts[-2] in CLASSES else parts[-3])
    return 12 * class_index + int(pathlib.Path(path).stem)


@pytest.mark.parametrize(
    "label_mode, dtype, shape, first_dog",
    [
        ("int", np.int32, (24,), 1),
        ("categorical", np.float32, (24, 2), [0.0, 1.0]),
        ("binary", np.float32, (24, 1), [1.0]),
    ],
)
def test_label_modes(grey, label_mode, dtype, shape, first_dog):
    root, _ = grey
    (images, labels) = next(iter(load(root, shuffle=False, batch_size=24, label_mode=label_mode)))
    assert images.dtype == np.float32 and images.shape == (24, 8, 8, 3)
    assert labels.dtype == dtype and labels.shape == shape
    assert np.asarray(labels[12]).tolist() == first_dog and np.asarray(labels[0]).tolist() in (0, [1.0, 0.0], [0.0])


def test_no_labels_gives_images_alone(grey):
    root, _ = grey
    for dataset in (load(root, labels=None, shuffle=False), load(root, label_mode=None, shuffle=False)):
        batch = next(iter(dataset))
        assert isinstance(batch, np.ndarray) and batch.shape == (24, 8, 8, 3)
    assert load(root, labels=None).class_names is None


def test_explicit_labels_follow_sorted_paths_of_the_whole_folder(grey):
    root, expected = grey
    labels = [n % 3 for n in range(24)]
    dataset = load(root, labels=labels, shuffle=False, batch_size=None)
    assert dataset.class_names == ["0", "1", "2"]
    assert [(number_of(image), int(label)) for image, label in dataset] == [(n, n % 3) for n in range(24)]
    with pytest.raises(ValueError, match=r"labels: expected one label per file, 24 .*received 23"):
        load(root, labels=labels[:-1])
    with pytest.raises(ValueError, match="class_names: only valid with labels='inferred'"):
        load(root, labels=labels, class_names=["a"])


def test_class_names_choose_and_order_the_classes(grey):
    root, _ = grey
    dataset = load(root, class_names=["dogs", "cats"], shuffle=False)
    assert dataset.class_names == ["dogs", "cats"]
    assert elements(dataset)[:2] == [(12, 0), (13, 0)] and elements(dataset)[-1] == (11, 1)
    assert {number for number, _ in elements(load(root, class_names=["dogs"], shuffle=False))} == set(range(12, 24))
    with pytest.raises(ValueError, match=r"class_names: \['birds'\] are not subfolders"):
        load(root, class_names=["birds"])


def test_batch_size_none_yields_single_images(grey):
    root, _ = grey
    dataset = load(root, batch_size=None, shuffle=False)
    image, label = next(iter(dataset))
    assert image.shape == (8, 8, 3) and np.shape(label) == () and len(dataset) == 24


@pytest.fixture(scope="module")
def colours(tmp_path_factory):
    """One 60x20 image of three vertical bands (red | green | blue) and one RGBA image."""
    root = tmp_path_factory.mktemp("colours")
    (root / "only").mkdir()
    bands = np.zeros((20, 60, 3), np.uint8)
    bands[:, :20, 0] = bands[:, 20:40, 1] = bands[:, 40:, 2] = 200
    Image.fromarray(bands).save(root / "only" / "a_bands.png")
    rgba = np.full((20, 60, 4), 100, np.uint8)
    rgba[..., 3] = 50
    Image.fromarray(rgba, "RGBA").save(root / "only" / "b_rgba.png")
    return root


def first_image(root, **kwargs):
    return next(iter(load(root, batch_size=None, shuffle=False, **kwargs)))[0]


def test_color_modes_give_one_three_or_four_channels(colours):
    assert first_image(colours, color_mode="rgb").shape == (8, 8, 3)
    grey = first_image(colours, color_mode="grayscale", image_size=(20, 60), interpolation="nearest")
    assert grey.shape == (20, 60, 1)
    assert abs(grey[0, 0, 0] - 200 * 0.299) <= 1 and abs(grey[0, 30, 0] - 200 * 0.587) <= 1  # ITU-R 601-2 luma
    rgba = next(iter(load(colours, batch_size=None, shuffle=False, color_mode="rgba", image_size=(20, 60))))
    assert rgba[0].shape == (20, 60, 4)
    images = [image for image, _ in load(colours, batch_size=None, shuffle=False, color_mode="rgba")]
    assert images[1][..., 3].max() == 50 and images[0][..., 3].min() == 255  # alpha kept, opaque added


def test_crop_pad_or_stretch_to_the_image_size(colours):
    stretched = first_image(colours, image_size=(10, 30), interpolation="nearest")
    assert stretched[:, :10, 0].min() == 200 and stretched[:, 20:, 2].min() == 200  # all three bands
    cropped = first_image(colours, image_size=(10, 10), crop_to_aspect_ratio=True, interpolation="nearest")
    assert (cropped[..., 1] == 200).all() and cropped[..., [0, 2]].max() == 0  # the centred square: green
    padded = first_image(colours, image_size=(30, 30), pad_to_aspect_ratio=True, interpolation="nearest")
    # The 60x20 image fits as 30x10, centred: 10 rows of zeros above and below.
    assert padded[:10].max() == 0 and padded[20:].max() == 0 and padded[10:20, :10, 0].min() == 200


def test_interpolation_nearest_keeps_source_values_and_bilinear_blends(colours):
    nearest = first_image(colours, image_size=(5, 45), interpolation="nearest")
    bilinear = first_image(colours, image_size=(5, 45), interpolation="bilinear")
    assert set(np.unique(nearest)) <= {0.0, 200.0}
    assert len(set(np.unique(bilinear)) - {0.0, 200.0}) > 0  # blended values at the band edges
    assert first_image(colours, interpolation="AREA").shape == (8, 8, 3)  # names in any case, as Keras


def test_channels_first(colours):
    assert first_image(colours, data_format="channels_first").shape == (3, 8, 8)


def test_hidden_folders_are_not_classes(tmp_path):
    for folder in ("b", "a", ".cache"):
        (tmp_path / folder).mkdir()
        Image.new("RGB", (4, 4)).save(tmp_path / folder / "1.png")
    assert load(tmp_path).class_names == ["a", "b"]


def test_follow_links_descends_into_linked_folders(tmp_path):
    (tmp_path / "data" / "a").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "data" / "a" / "1.png")
    Image.new("RGB", (4, 4)).save(tmp_path / "elsewhere" / "2.png")
    os.symlink(tmp_path / "elsewhere", tmp_path / "data" / "a" / "link")
    assert len(load(tmp_path / "data").file_paths) == 1
    assert len(load(tmp_path / "data", follow_links=True).file_paths) == 2


def test_a_file_that_is_not_an_image_raises_naming_it(tmp_path):
    (tmp_path / "a").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "a" / "good.png")
    (tmp_path / "a" / "broken.jpg").write_bytes(b"this is not a JPEG")
    (tmp_path / "a" / "readme.md").write_text("ignored: not an image suffix")
    dataset = load(tmp_path, shuffle=False)
    assert len(dataset.file_paths) == 2  # filtered by suffix only, as Keras
    with pytest.raises(ValueError, match=r"broken\.jpg: cannot be decoded as an image"):
        list(dataset)


def test_decoding_runs_in_background_threads(grey, monkeypatch):
    root, _ = grey
    seen = set()
    original = image_utils.decode_image

    def recording(*args, **kwargs):
        seen.add(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(image_utils, "decode_image", recording)
    assert len(list(load(root).unbatch())) == 24
    assert seen and threading.main_thread().name not in seen


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label_mode": "sparse"}, "label_mode: expected 'int', 'categorical' or 'binary'; received 'sparse'"),
        ({"color_mode": "cmyk"}, "color_mode: expected 'grayscale', 'rgb' or 'rgba'; received 'cmyk'"),
        ({"validation_split": 0.2}, "subset: give validation_split and subset together"),
        ({"subset": "training"}, "subset: give validation_split and subset together"),
        ({"validation_split": 0.2, "subset": "training"}, "seed: required with validation_split and shuffle=True"),
        (
            {"validation_split": 1.5, "subset": "training", "seed": 1},
            r"validation_split: expected a number in \(0, 1\)",
        ),
        ({"validation_split": 0.2, "subset": "test", "seed": 1}, "subset: expected 'training', 'validation' or 'both'"),
        ({"validation_split": 0.01, "subset": "both", "seed": 1}, "validation_split: 0.01 of 24 files leaves no file"),
        ({"class_names": ["cats", "dogs"], "label_mode": "binary", "labels": [0, 1, 2] * 8}, "class_names"),
        ({"labels": [0, 1, 2] * 8, "label_mode": "binary"}, r"label_mode: 'binary' needs exactly 2 classes"),
        ({"labels": "folders"}, "labels: expected 'inferred', None, or a list/tuple of integer labels"),
        ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "only one of crop_to_aspect_ratio"),
        ({"interpolation": "cubic"}, "interpolation: expected 'bilinear', 'nearest', 'bicubic', 'area' or 'lanczos3'"),
        ({"interpolation": "gaussian"}, "interpolation: 'gaussian' has no Pillow filter"),
        ({"image_size": (8, 0)}, r"image_size: expected \(height, width\), two integers >= 1; received \(8, 0\)"),
        ({"batch_size": 0}, "batch_size: expected an integer >= 1; received 0"),
        ({"format": "grain"}, "format: expected 'tf' .*; received 'grain'"),
        ({"shuffle": "yes"}, "shuffle: expected True or False; received 'yes'"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(grey, kwargs, message):
    root, _ = grey
    with pytest.raises((ValueError, TypeError), match=message):
        load(root, **kwargs)


def test_a_missing_directory_and_a_folder_without_images_are_refused(tmp_path):
    with pytest.raises(ValueError, match="directory: expected an existing directory; received"):
        load(tmp_path / "absent")
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match=r"directory: no files with suffixes \('.bmp'"):
        load(tmp_path)


def test_without_pillow_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "kerasette\[image\]"'):
        image_dataset_from_directory(tmp_path)
    with pytest.raises(ImportError, match=r"kerasette\[image\]"):
        load_img(tmp_path / "a.png")


def test_verbose_prints_keras_counts(grey, capsys):
    root, _ = grey
    image_dataset_from_directory(root, image_size=(8, 8), validation_split=0.25, subset="both", seed=1)
    assert capsys.readouterr().out.splitlines() == [
        "Found 24 files belonging to 2 classes.",
        "Using 18 files for training.",
        "Using 6 files for validation.",
    ]


# -- load_img, img_to_array, array_to_img, save_img ----------------------------------------
def test_png_round_trip_is_exact_and_arrays_are_float32_channels_last(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype("float32")
    save_img(tmp_path / "a.png", pixels, scale=False)
    array = img_to_array(load_img(tmp_path / "a.png"))
    assert array.dtype == np.float32 and array.shape == (5, 7, 3)
    np.testing.assert_array_equal(array, pixels)
    assert img_to_array(load_img(tmp_path / "a.png"), data_format="channels_first").shape == (3, 5, 7)
    assert img_to_array(load_img(tmp_path / "a.png", color_mode="grayscale")).shape == (5, 7, 1)


def test_load_img_target_size_and_keep_aspect_ratio(tmp_path):
    bands = np.zeros((20, 60, 3))
    bands[:, 20:40, 1] = 255
    save_img(tmp_path / "b.png", bands, scale=False)
    assert load_img(tmp_path / "b.png", target_size=(10, 12)).size == (12, 10)  # PIL: (width, height)
    square = img_to_array(load_img(tmp_path / "b.png", target_size=(10, 10), keep_aspect_ratio=True))
    assert (square[..., 1] == 255).all()  # the centred crop is the green band
    with pytest.raises(ValueError, match="interpolation: expected one of nearest, bilinear"):
        load_img(tmp_path / "b.png", target_size=(10, 10), interpolation="area")
    with pytest.raises(TypeError, match="path: expected a path"):
        load_img(3)


def test_array_to_img_scales_to_the_full_range_and_picks_the_mode():
    image = array_to_img(np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    assert image.mode == "L" and img_to_array(image).ravel().tolist() == [0, 127, 255, 63]
    assert array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    assert array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    assert array_to_img(np.zeros((3, 2, 2)), data_format="channels_first").size == (2, 2)
    with pytest.raises(ValueError, match=r"x: expected an image of rank 3 .* received shape \(2, 2\)"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x: expected 1, 3 or 4 channels; received 2"):
        array_to_img(np.zeros((2, 2, 2)))


def test_save_img_as_jpeg_drops_alpha_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        save_img(tmp_path / "c.jpg", np.full((4, 4, 4), 128.0), scale=False)
    assert load_img(tmp_path / "c.jpg").mode == "RGB"
    save_img(tmp_path / "d", np.zeros((4, 4, 3)), file_format="jpg")
    assert Image.open(tmp_path / "d").format == "JPEG"


# -- text_dataset_from_directory ------------------------------------------------------------
@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    root = tmp_path_factory.mktemp("reviews")
    for label, texts in (("neg", ["awful", "dull plot", "bad"]), ("pos", ["great", "a joyful film", "héros"])):
        (root / label).mkdir()
        for index, text in enumerate(texts):
            (root / label / f"{index}.txt").write_text(text, encoding="utf-8")
        (root / label / "skip.md").write_text("not a .txt file")
    return root


def test_text_dataset_reads_txt_files_with_labels_in_keras_order(reviews):
    dataset = text_dataset_from_directory(reviews, shuffle=False, batch_size=4, verbose=False)
    assert dataset.class_names == ["neg", "pos"] and len(dataset) == 2
    texts, labels = next(iter(dataset))
    assert texts.tolist() == ["awful", "dull plot", "bad", "great"] and labels.tolist() == [0, 0, 0, 1]
    assert labels.dtype == np.int32


def test_text_max_length_cuts_bytes_and_drops_a_split_character(reviews):
    dataset = text_dataset_from_directory(reviews, shuffle=False, batch_size=None, max_length=2, verbose=False)
    texts = [str(text) for text, _ in dataset]
    assert texts == ["aw", "du", "ba", "gr", "a ", "h"]  # 'é' is two bytes: cut in half, dropped


def test_text_split_both_and_binary_labels(reviews):
    training, validation = text_dataset_from_directory(
        reviews, label_mode="binary", validation_split=0.5, subset="both", seed=2, verbose=False
    )
    assert len(training.file_paths) == len(validation.file_paths) == 3
    assert not set(training.file_paths) & set(validation.file_paths)
    _, labels = next(iter(validation))
    assert labels.shape == (3, 1) and labels.dtype == np.float32
    with pytest.raises(ValueError, match="max_length: expected an integer >= 1; received 0"):
        text_dataset_from_directory(reviews, max_length=0)


# -- learning from a folder of images ----------------------------------------------------------
def make_stripes(root: pathlib.Path, per_class: int, seed: int) -> None:
    """Two classes of noisy JPEG and PNG images of various sizes: horizontal or vertical stripes."""
    rng = np.random.default_rng(seed)
    for label in ("horizontal", "vertical"):
        (root / label).mkdir(parents=True)
        for index in range(per_class):
            height, width = rng.integers(36, 56, size=2)
            period, phase = rng.integers(6, 12), rng.uniform(0, 2 * np.pi)
            axis = np.arange(height if label == "horizontal" else width)
            wave = 127 + 90 * np.sin(2 * np.pi * axis / period + phase)
            grey = np.broadcast_to(wave[:, None] if label == "horizontal" else wave[None, :], (height, width))
            pixels = np.stack([grey * c for c in rng.uniform(0.5, 1.0, 3)], -1) + rng.normal(0, 20, (height, width, 3))
            image = Image.fromarray(np.clip(pixels, 0, 255).astype("uint8"))
            image.save(root / label / f"{index:03d}.{'jpg' if index % 2 else 'png'}")


def test_a_small_convnet_learns_a_folder_of_images_to_90_percent(tmp_path):
    make_stripes(tmp_path, per_class=120, seed=0)
    set_random_seed(1)
    training, validation = image_dataset_from_directory(
        tmp_path, image_size=(32, 32), batch_size=16, label_mode="binary",
        validation_split=0.25, subset="both", seed=7, verbose=False,
    )  # fmt: skip
    flips = np.random.default_rng(5)

    def flip(images, labels):  # a horizontal flip keeps the stripes' direction, so the label holds
        chosen = flips.random(len(images)) < 0.5
        return np.where(chosen[:, None, None, None], images[:, :, ::-1], images), labels

    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Rescaling(1 / 255),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])  # fmt: skip
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(training.map(flip), validation_data=validation, epochs=5, verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.9
    assert model.evaluate(validation, verbose=0)[1] >= 0.9
    assert model.predict(validation, verbose=0).shape == (60, 1)
