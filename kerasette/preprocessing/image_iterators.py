"""Keras 2's image iterators: ``NumpyArrayIterator`` (``ImageDataGenerator.flow``) and
``DirectoryIterator`` (``flow_from_directory``).

Each is a :class:`kerasette.utils.PyDataset` (``len`` batches an epoch, reshuffled at each
epoch's end), so ``fit``, ``evaluate`` and ``predict`` take it directly, and also an
endless Python iterator (``next(iterator)``), as in Keras 2.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from kerasette import backend
from kerasette.utils import image_utils
from kerasette.utils.directory_datasets import _class_folders, _files_under
from kerasette.utils.py_dataset import PyDataset
from kerasette.validation import check_choice, check_int, check_path, check_same_length

IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
SUBSETS = ("training", "validation")


class Iterator(PyDataset):
    """Batches of ``n`` samples, in a new order each epoch when ``shuffle``; subclasses build a
    batch from its sample indices (``_get_batches_of_transformed_samples``)."""

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None):
        super().__init__()
        self.n, self.batch_size = n, check_int("batch_size", batch_size, 1)
        self.shuffle, self.seed = bool(shuffle), None if seed is None else check_int("seed", seed, 0)
        self.batch_index, self.total_batches_seen = 0, 0
        self.index_array = None
        self.lock = threading.Lock()

    def _rng(self) -> np.random.Generator:
        # A seed gives each batch its own generator, as Keras 2 reseeds with seed + batches seen.
        if self.seed is None:
            return backend.host_rng()
        return np.random.default_rng(self.seed + self.total_batches_seen)

    def _set_index_array(self) -> None:
        self.index_array = self._rng().permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"index: expected a batch index in [0, {len(self)}); received {index}")
        if self.index_array is None:
            self._set_index_array()
        rng = self._rng()
        self.total_batches_seen += 1
        rows = self.index_array[self.batch_size * index : self.batch_size * (index + 1)]
        return self._get_batches_of_transformed_samples(rows, rng)

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            if self.batch_index == 0:
                self._set_index_array()
            index = self.batch_index
            self.batch_index = (index + 1) % len(self)
        return self[index]

    def _get_batches_of_transformed_samples(self, index_array, rng):
        raise NotImplementedError

    def _transformed(self, image, rng):
        generator = self.image_data_generator
        image = generator.apply_transform(
            image.astype(self.dtype), generator.get_random_transform(image.shape, rng=rng)
        )
        return generator.standardize(image)

    def _save(self, batch_x, index_array, rng) -> None:
        if self.save_to_dir is None:
            return
        for image, index in zip(batch_x, index_array):
            name = f"{self.save_prefix}_{index}_{rng.integers(10**7)}.{self.save_format}"
            image_utils.save_img(os.path.join(self.save_to_dir, name), image, self.data_format, scale=True)


class NumpyArrayIterator(Iterator):
    """Augmented batches of ``x`` (rank 4), with ``y`` and ``sample_weight`` when given."""

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        ignore_class_split=False,
        dtype=None,
    ):
        self.dtype = dtype or image_data_generator.dtype
        self.data_format = data_format or image_data_generator.data_format
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(f"x: expected a batch of images of rank 4; received shape {self.x.shape}")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        pairs = [("x", len(self.x))] + [
            (n, len(a)) for n, a in (("y", self.y), ("sample_weight", self.sample_weight)) if a is not None
        ]
        check_same_length(pairs)
        if subset is not None:
            split = int(len(self.x) * image_data_generator._validation_split)
            rows = slice(None, split) if check_choice("subset", subset, SUBSETS) == "validation" else slice(split, None)
            if self.y is not None and not ignore_class_split:
                if not np.array_equal(np.unique(self.y[:split]), np.unique(self.y[split:])):
                    raise ValueError(
                        "subset: the training and validation parts hold different classes after the split; "
                        "shuffle arrays sorted by label first, or pass ignore_class_split=True"
                    )
            self.x = self.x[rows]
            self.y = None if self.y is None else self.y[rows]
            self.sample_weight = None if self.sample_weight is None else self.sample_weight[rows]
        self.image_data_generator = image_data_generator
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array, rng):
        batch_x = np.stack([self._transformed(self.x[index], rng) for index in index_array]).astype(self.dtype)
        self._save(batch_x, index_array, rng)
        if self.y is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, self.y[index_array]
        return batch_x, self.y[index_array], self.sample_weight[index_array]


class DirectoryIterator(Iterator):
    """Augmented batches of the images under ``directory``, one subfolder per class.

    Attributes: ``class_indices`` (folder name -> class), ``classes`` (each file's class),
    ``filenames`` (relative to ``directory``), ``filepaths``, ``samples``, ``num_classes``.
    """

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype=None,
    ):
        self.directory = check_path("directory", directory)
        if not os.path.isdir(self.directory):
            raise ValueError(f"directory: expected a folder with one subfolder per class; received {directory!r}")
        self.image_data_generator = image_data_generator
        self.target_size = image_utils._size("target_size", target_size)
        self.color_mode = check_choice("color_mode", color_mode, ("rgb", "rgba", "grayscale"))
        self.class_mode = class_mode
        if class_mode not in CLASS_MODES:
            raise ValueError(f"class_mode: expected one of {CLASS_MODES}; received {class_mode!r}")
        self.data_format = data_format or image_data_generator.data_format
        self.dtype = dtype or image_data_generator.dtype
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[self.color_mode]
        self.image_shape = (
            (*self.target_size, channels) if self.data_format == "channels_last" else (channels, *self.target_size)
        )
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.subset = None if subset is None else check_choice("subset", subset, SUBSETS)
        split = image_data_generator._validation_split
        names = _class_folders(self.directory, classes)
        self.num_classes, self.class_indices = len(names), {name: index for index, name in enumerate(names)}
        self.filenames, labels = [], []
        for name in names:
            files = _files_under(os.path.join(self.directory, name), follow_links, IMAGE_FORMATS)
            if self.subset is not None:
                # As Keras 2: the first ``validation_split`` of each class's files is the validation part.
                cut = int(split * len(files))
                files = files[:cut] if self.subset == "validation" else files[cut:]
            self.filenames += [os.path.join(name, file) for file in files]
            labels += [self.class_indices[name]] * len(files)
        self.classes = np.array(labels, dtype="int32")
        self.samples = len(self.filenames)
        if self.samples == 0:
            raise ValueError(f"directory: no images ({', '.join(IMAGE_FORMATS)}) found under {directory!r}")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self) -> list[str]:
        return [os.path.join(self.directory, name) for name in self.filenames]

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    def _load(self, index: int) -> np.ndarray:
        path = os.path.join(self.directory, self.filenames[index])
        with image_utils.load_img(
            path, self.color_mode, self.target_size, self.interpolation, self.keep_aspect_ratio
        ) as img:
            return image_utils.img_to_array(img, self.data_format, self.dtype)

    def _get_batches_of_transformed_samples(self, index_array, rng):
        batch_x = np.stack([self._transformed(self._load(index), rng) for index in index_array]).astype(self.dtype)
        self._save(batch_x, index_array, rng)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            return batch_x, np.eye(self.num_classes, dtype=self.dtype)[self.classes[index_array]]
        return batch_x
