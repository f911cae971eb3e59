"""``image_dataset_from_directory`` and ``text_dataset_from_directory``, as ``keras.utils``.

The files and their order are Keras 3's (``keras/src/utils/dataset_utils.py``): class
folders are the directory's subfolders in sorted order (hidden ones skipped), each walked
recursively with ``os.walk`` in sorted order, keeping files whose lower-cased suffix is
allowed (other files are ignored, silently, as in Keras); with ``shuffle`` the whole list
is then shuffled once by ``np.random.RandomState(seed)``, and ``validation_split`` takes
the *last* ``int(validation_split * n)`` files for validation, so training and validation
subsets made with one seed never overlap. The training dataset also reshuffles its files
every epoch from a buffer of ``8 * batch_size``, as Keras's ``tf.data`` pipeline does.

A file with an allowed suffix that fails to decode raises, when its batch is read, a
ValueError naming the file (Keras raises TensorFlow's decode error).
"""

from __future__ import annotations

import codecs
import numbers
import os

import numpy as np

from kerasette.utils import image_utils
from kerasette.utils.dataset import AUTOTUNE, Dataset
from kerasette.validation import check_bool, check_choice, check_int, check_number, check_path

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
LABEL_MODES = ("int", "categorical", "binary")
SUBSETS = ("training", "validation", "both")


def _class_folders(directory: str, class_names) -> list[str]:
    folders = sorted(
        name
        for name in os.listdir(directory)
        if not name.startswith(".") and os.path.isdir(os.path.join(directory, name))
    )
    if class_names is None:
        return folders
    if not isinstance(class_names, (list, tuple)) or not all(isinstance(name, str) for name in class_names):
        raise TypeError(f"class_names: expected a list of folder names; received {class_names!r}")
    unknown = [name for name in class_names if name not in folders]
    if unknown:
        raise ValueError(f"class_names: {unknown} are not subfolders of {directory!r}; expected names among {folders}")
    return list(class_names)  # the order given sets the class indices


def _files_under(folder: str, follow_links: bool, formats: tuple) -> list[str]:
    """Allowed files under ``folder``, walked recursively, relative to it, in Keras's order."""
    found = []
    for root, _, names in sorted(os.walk(folder, followlinks=follow_links), key=lambda walked: walked[0]):
        found += [os.path.relpath(os.path.join(root, n), folder) for n in sorted(names) if n.lower().endswith(formats)]
    return found


def index_directory(directory, labels, formats: tuple, class_names, shuffle: bool, seed: int, follow_links: bool):
    """``(file_paths, labels, class_names)`` for the files of ``directory``, as Keras indexes them.

    ``labels`` is an int array, or None; ``class_names`` is None without labels.
    """
    if labels == "inferred":
        folders = _class_folders(directory, class_names)
    elif class_names is not None:
        raise ValueError(
            f"class_names: only valid with labels='inferred' (the class names come from the folders); "
            f"received class_names={class_names!r} with labels={'None' if labels is None else 'a list'}"
        )
    else:
        folders = [""]  # the whole directory, without classes
    file_paths, file_labels = [], []
    for index, folder in enumerate(folders):
        files = _files_under(os.path.join(directory, folder), follow_links, formats)
        file_paths += [os.path.join(directory, folder, name) for name in files]
        file_labels += [index] * len(files)
    if labels == "inferred":
        labels = np.array(file_labels, dtype=np.int32)
        class_names = folders
    elif labels is not None:
        if len(labels) != len(file_paths):
            raise ValueError(
                f"labels: expected one label per file, {len(file_paths)} for the files found in {directory!r}; "
                f"received {len(labels)}"
            )
        labels = np.array(labels, dtype=np.int32)
        class_names = [str(label) for label in sorted(set(labels.tolist()))]
    if shuffle:
        # Keras shuffles the paths and the labels with two generators of one seed: one permutation.
        order = np.arange(len(file_paths))
        np.random.RandomState(seed).shuffle(order)
        file_paths = [file_paths[i] for i in order]
        labels = None if labels is None else labels[order]
    return file_paths, labels, class_names


def _check_labels(labels):
    if labels == "inferred" or labels is None:
        return labels
    if not isinstance(labels, (list, tuple)) or not all(
        isinstance(label, numbers.Integral) and not isinstance(label, bool) for label in labels
    ):
        raise ValueError(
            "labels: expected 'inferred', None, or a list/tuple of integer labels, one per file in sorted "
            f"path order; received {labels!r:.200}"
        )
    return labels


def _check_split(validation_split, subset, shuffle: bool, seed):
    if validation_split:
        validation_split = check_number("validation_split", validation_split, 0, 1, low_open=True, high_open=True)
    if bool(validation_split) != (subset is not None):
        raise ValueError(
            "subset: give validation_split and subset together, or neither; received "
            f"validation_split={validation_split!r}, subset={subset!r}"
        )
    if subset is not None:
        check_choice("subset", subset, SUBSETS)
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "seed: required with validation_split and shuffle=True, so that the training and validation "
            "subsets do not overlap; received None"
        )
    return validation_split


def _split(file_paths: list, labels, validation_split: float, subset: str, directory: str, formats: tuple):
    """Keras's split: the last ``int(validation_split * n)`` files validate, the rest train."""
    if not file_paths:
        raise ValueError(f"directory: no files with suffixes {formats} found in {directory!r}")
    if not validation_split:
        return [(file_paths, labels)]
    count = int(validation_split * len(file_paths))
    if count == 0:
        raise ValueError(
            f"validation_split: {validation_split} of {len(file_paths)} files leaves no file for validation "
            "(Keras would then return no training files)"
        )
    keep = {"training": [slice(None, -count)], "validation": [slice(-count, None)]}
    keep["both"] = keep["training"] + keep["validation"]
    return [(file_paths[rows], None if labels is None else labels[rows]) for rows in keep[subset]]


def _encoded_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> list:
    if label_mode == "int":
        return list(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"labels: label_mode={label_mode!r} needs labels in [0, {num_classes}); received values from "
            f"{labels.min()} to {labels.max()}"
        )
    if label_mode == "binary":
        return list(labels.astype(np.float32)[:, None])
    return list(np.eye(num_classes, dtype=np.float32)[labels])


def _pipeline(file_paths, labels, label_mode, num_classes, load, batch_size, shuffle, seed):
    """Keras's dataset: (path, label) elements, shuffled each epoch, loaded in threads, batched, prefetched."""
    if label_mode is None:
        dataset = Dataset.from_elements(file_paths)
    else:
        dataset = Dataset.from_elements(zip(file_paths, _encoded_labels(labels, label_mode, num_classes)))
    if shuffle:
        dataset = dataset.shuffle(8 * batch_size if batch_size is not None else 1024, seed=seed)
    if label_mode is None:
        dataset = dataset.map(load, num_parallel_calls=AUTOTUNE)
    else:
        dataset = dataset.map(lambda path, label: (load(path), label), num_parallel_calls=AUTOTUNE)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(AUTOTUNE)


def _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
                    follow_links, verbose, formats, load):  # fmt: skip
    directory = check_path("directory", directory)
    if not os.path.isdir(directory):
        raise ValueError(f"directory: expected an existing directory; received {directory!r}")
    labels = _check_labels(labels)
    if label_mode is not None:
        check_choice("label_mode", label_mode, LABEL_MODES)
    if labels is None or label_mode is None:
        labels = label_mode = None
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, 1)
    shuffle = check_bool("shuffle", shuffle)
    follow_links = check_bool("follow_links", follow_links)
    validation_split = _check_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(np.random.randint(1e6))  # as Keras; utils.set_random_seed makes it repeatable
    seed = check_int("seed", seed, 0)
    file_paths, labels, class_names = index_directory(
        directory, labels, formats, class_names, shuffle, seed, follow_links
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"label_mode: 'binary' needs exactly 2 classes; received class_names={class_names}")
    if verbose:
        classes = "" if labels is None else f" belonging to {len(class_names)} classes"
        print(f"Found {len(file_paths)} files{classes}.")
    parts = _split(file_paths, labels, validation_split, subset, directory, formats)
    datasets = []
    for index, (paths, part_labels) in enumerate(parts):
        training = subset != "both" or index == 0  # Keras's validation half of "both" is not shuffled
        if verbose and validation_split:
            print(f"Using {len(paths)} files for {('training', 'validation')[index] if subset == 'both' else subset}.")
        dataset = _pipeline(
            paths, part_labels, label_mode, len(class_names or ()), load, batch_size, shuffle and training, seed
        )
        dataset.class_names, dataset.file_paths = class_names, paths
        datasets.append(dataset)
    return datasets[0] if len(datasets) == 1 else datasets


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
):
    """A :class:`~kerasette.utils.dataset.Dataset` of ``(images, labels)`` batches from image
    files in class subfolders, as ``keras.utils.image_dataset_from_directory``.

    ``directory/class_a/*.jpg`` and ``directory/class_b/*.jpg`` give labels 0 and 1. Files
    ending in ``.bmp``, ``.gif``, ``.jpeg``, ``.jpg`` or ``.png`` (any case) are read; GIFs
    give their first frame. Images are float32 arrays with values in [0, 255], decoded and
    resized by Pillow (``pip install "kerasette[image]"``) in background threads.

    Args:
        directory: The folder of class subfolders (``labels="inferred"``), else of images.
        labels: ``"inferred"`` (from the subfolders), None (images only), or a list of
            integer labels, one per file in the sorted order of the file paths.
        label_mode: ``"int"`` (int32, shape ``(batch,)``), ``"categorical"`` (one-hot
            float32), ``"binary"`` (float32 of shape ``(batch, 1)``; two classes) or None.
        class_names: With ``labels="inferred"``, the subfolders to use, in class order.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``: 1, 3 or 4 channels.
        batch_size: Images per batch; None yields single images.
        image_size: ``(height, width)`` every image is resized to.
        shuffle: Shuffle the files (once with ``seed``, then every epoch); False keeps sorted order.
        seed: Seed of the shuffles; required with ``validation_split`` and ``shuffle``.
        validation_split: Fraction of the files kept for validation (the last ones after shuffling).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a ``[training, validation]`` pair).
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"area"`` or ``"lanczos3"``
            (Pillow's filters; Keras's ``"lanczos5"``, ``"gaussian"``, ``"mitchellcubic"`` are refused).
        follow_links: Descend into subfolders that are symbolic links.
        crop_to_aspect_ratio: Crop the largest centred window of ``image_size``'s aspect ratio.
        pad_to_aspect_ratio: Fit the whole image inside ``image_size``, padding with zeros.
        data_format: ``"channels_last"`` or ``"channels_first"``; None for ``image_data_format()``.
        format: ``"tf"`` only (the default): the result is kerasette's ``Dataset``, which has
            the ``tf.data`` methods; ``"grain"`` is refused.
        verbose: Print how many files and classes were found.

    Returns:
        A ``Dataset`` with ``class_names`` and ``file_paths``, or a list of two for ``subset="both"``.

    Example:
    >>> import tempfile, pathlib
    >>> from kerasette.utils import save_img
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("cat/1.png", "cat/2.png", "dog/1.png"):
    ...         (pathlib.Path(folder) / name).parent.mkdir(exist_ok=True)
    ...         save_img(pathlib.Path(folder) / name, np.zeros((8, 8, 3)))
    ...     dataset = image_dataset_from_directory(folder, image_size=(4, 4), batch_size=2, shuffle=False)
    ...     [(images.shape, labels.tolist()) for images, labels in dataset]
    Found 3 files belonging to 2 classes.
    [((2, 4, 4, 3), [0, 0]), ((1, 4, 4, 3), [1])]
    """
    image_utils.pillow()
    num_channels = {"grayscale": 1, "rgb": 3, "rgba": 4}
    check_choice("color_mode", color_mode, tuple(num_channels))
    image_size = image_utils.check_image_size(image_size)
    interpolation = image_utils.check_dataset_interpolation(interpolation)
    if check_bool("crop_to_aspect_ratio", crop_to_aspect_ratio) and check_bool(
        "pad_to_aspect_ratio", pad_to_aspect_ratio
    ):
        raise ValueError("pad_to_aspect_ratio: only one of crop_to_aspect_ratio and pad_to_aspect_ratio may be True")
    check_bool("pad_to_aspect_ratio", pad_to_aspect_ratio)
    data_format = image_utils._data_format(data_format)
    if format != "tf":
        raise ValueError(f"format: expected 'tf' (a kerasette Dataset, with tf.data's methods); received {format!r}")

    def load(path):
        return image_utils.decode_image(
            path, image_size, color_mode, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format
        )

    return _from_directory(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, IMAGE_FORMATS, load,
    )  # fmt: skip


def read_text(path: str, max_length: int | None) -> str:
    """A text file's content, cut to its first ``max_length`` bytes as Keras cuts it, decoded
    as UTF-8: a character split by the cut is dropped, and bytes that are not UTF-8 become U+FFFD."""
    with open(path, "rb") as file:
        content = file.read() if max_length is None else file.read(max_length)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(content, final=max_length is None)


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
):
    """A :class:`~kerasette.utils.dataset.Dataset` of ``(texts, labels)`` batches from ``.txt``
    files in class subfolders, as ``keras.utils.text_dataset_from_directory``.

    The arguments are :func:`image_dataset_from_directory`'s (files, labels, order, split);
    ``max_length`` cuts each text to its first ``max_length`` bytes. Texts come as NumPy
    string arrays of Python ``str`` (UTF-8 decoded), where TensorFlow gives ``bytes``.

    Example:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name, text in (("neg/a.txt", "bad"), ("pos/b.txt", "good film")):
    ...         (pathlib.Path(folder) / name).parent.mkdir(exist_ok=True)
    ...         _ = (pathlib.Path(folder) / name).write_text(text)
    ...     dataset = text_dataset_from_directory(folder, max_length=4, shuffle=False, verbose=False)
    ...     [(texts.tolist(), labels.tolist()) for texts, labels in dataset]
    [(['bad', 'good'], [0, 1])]
    """
    if max_length is not None:
        max_length = check_int("max_length", max_length, 1)
    return _from_directory(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, TEXT_FORMATS, lambda path: read_text(path, max_length),
    )  # fmt: skip
