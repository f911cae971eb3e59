"""``keras.preprocessing.image``: Keras 2's ``ImageDataGenerator`` (Deep Learning with
Python, first edition, chapter 5) and the image utilities.

Each image is transformed on the host as Keras 2 does it: one affine matrix per image
(rotation, shift, shear, zoom about the centre) applied channel by channel with
``scipy.ndimage.affine_transform`` (its own fill modes), then channel shift, flips,
brightness (Pillow), then ``standardize``. The random parameters come from a NumPy
generator: seeded per batch from ``seed`` when one is given (Keras 2 reseeds NumPy's
global generator the same way), else from kerasette's host generator, which
``keras.utils.set_random_seed`` seeds.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from kerasette import backend
from kerasette.preprocessing.image_iterators import DirectoryIterator, Iterator, NumpyArrayIterator
from kerasette.preprocessing.image_transforms import FILL_MODES, apply_affine_transform, apply_brightness_shift
from kerasette.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from kerasette.validation import check_bool, check_choice, check_number

__all__ = [
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
]


def _range(argument: str, value) -> float | list:
    """A shift range: a number (a fraction of the size below 1, else pixels) or a list of pixel shifts."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [check_number(argument, item) for item in value]
    return check_number(argument, value, 0)


class ImageDataGenerator:
    """Batches of augmented, standardized images from arrays or a folder (Keras 2's API).

    Args:
        featurewise_center, featurewise_std_normalization: Subtract the data set's mean /
            divide by its standard deviation, per channel (statistics from :meth:`fit`).
        samplewise_center, samplewise_std_normalization: The same per image.
        zca_whitening, zca_epsilon: ZCA whitening fitted by :meth:`fit`.
        rotation_range: Degrees; angles drawn from ``[-range, range]``.
        width_shift_range, height_shift_range: A fraction of the size (below 1), pixels
            (1 or more), or a list of pixel shifts to choose from.
        brightness_range: ``(low, high)`` brightness factors (Pillow's), or None.
        shear_range: Degrees (counter-clockwise).
        zoom_range: ``f`` for ``[1 - f, 1 + f]``, or ``(low, high)``.
        channel_shift_range: A shift added to all channels, drawn from ``[-range, range]``.
        fill_mode: ``"nearest"`` (default), ``"constant"``, ``"reflect"`` or ``"wrap"``
            (SciPy's modes, as in Keras 2).
        cval: The fill value for ``"constant"``.
        horizontal_flip, vertical_flip: Flip half of the images at random.
        rescale: A factor applied before anything else in :meth:`standardize`.
        preprocessing_function: Called on each image first.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        validation_split: The fraction kept for ``subset="validation"``.
        interpolation_order: SciPy's spline order (1: bilinear).
        dtype: The dtype of the batches (floatx by default).

    Reference: Keras 2 ``keras.preprocessing.image.ImageDataGenerator``.
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
        flags = dict(featurewise_center=featurewise_center, samplewise_center=samplewise_center)
        flags.update(featurewise_std_normalization=featurewise_std_normalization, zca_whitening=zca_whitening)
        flags.update(samplewise_std_normalization=samplewise_std_normalization)
        flags.update(horizontal_flip=horizontal_flip, vertical_flip=vertical_flip)
        for name, value in flags.items():
            setattr(self, name, check_bool(name, value))
        # As Keras 2: normalizing by a standard deviation implies centering first.
        self.featurewise_center |= self.featurewise_std_normalization or self.zca_whitening
        self.samplewise_center |= self.samplewise_std_normalization
        if self.zca_whitening:
            self.featurewise_std_normalization = False
        self.zca_epsilon = check_number("zca_epsilon", zca_epsilon, 0)
        self.rotation_range = check_number("rotation_range", rotation_range, 0)
        self.width_shift_range = _range("width_shift_range", width_shift_range)
        self.height_shift_range = _range("height_shift_range", height_shift_range)
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError(f"brightness_range: expected (low, high) or None; received {brightness_range!r}")
            brightness_range = [check_number("brightness_range", value, 0) for value in brightness_range]
        self.brightness_range = brightness_range
        self.shear_range = check_number("shear_range", shear_range, 0)
        if isinstance(zoom_range, (tuple, list)) and len(zoom_range) == 2:
            self.zoom_range = [check_number("zoom_range", value, 0) for value in zoom_range]
        elif isinstance(zoom_range, numbers.Real) and not isinstance(zoom_range, bool):
            self.zoom_range = [1 - check_number("zoom_range", zoom_range, 0), 1 + zoom_range]
        else:
            raise ValueError(f"zoom_range: expected a number or (low, high); received {zoom_range!r}")
        self.channel_shift_range = check_number("channel_shift_range", channel_shift_range, 0)
        self.fill_mode = check_choice("fill_mode", fill_mode, FILL_MODES)
        self.cval = check_number("cval", cval)
        self.rescale = None if rescale is None else check_number("rescale", rescale)
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError(f"preprocessing_function: expected a callable; received {preprocessing_function!r}")
        self.preprocessing_function = preprocessing_function
        self.data_format = backend.image_data_format() if data_format is None else data_format
        check_choice("data_format", self.data_format, ("channels_last", "channels_first"))
        self.channel_axis, self.row_axis, self.col_axis = (
            (3, 1, 2) if self.data_format == "channels_last" else (1, 2, 3)
        )
        self._validation_split = check_number("validation_split", validation_split, 0, 1, high_open=True)
        self.interpolation_order = check_number("interpolation_order", interpolation_order, 0, 5, integer=True)
        self.dtype = dtype or backend.floatx()
        self.mean = self.std = self.zca_whitening_matrix = None

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, **options):
        """An iterator of ``(x, y)`` batches (``x`` alone without ``y``) augmented from arrays;
        ``options``: Keras's ``save_to_dir``, ``save_prefix``, ``save_format``,
        ``ignore_class_split``, ``subset``."""
        arguments = dict(batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight, seed=seed)
        return NumpyArrayIterator(x, y, self, **arguments, **options)

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        **options,
    ):
        """An iterator of augmented batches read from one subfolder of images per class;
        ``options``: Keras's ``save_to_dir``, ``save_prefix``, ``save_format``,
        ``follow_links``, ``subset``, ``interpolation`` ("nearest"), ``keep_aspect_ratio``."""
        arguments = dict(target_size=target_size, color_mode=color_mode, classes=classes, class_mode=class_mode)
        arguments.update(batch_size=batch_size, shuffle=shuffle, seed=seed)
        return DirectoryIterator(directory, self, **arguments, **options)

    def standardize(self, x):
        """``x`` (an image or a batch) rescaled, centered and normalized, in place where possible."""
        if self.preprocessing_function is not None:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        for wanted, fitted, name in (
            (self.featurewise_center, self.mean, "featurewise_center"),
            (self.featurewise_std_normalization, self.std, "featurewise_std_normalization"),
            (self.zca_whitening, self.zca_whitening_matrix, "zca_whitening"),
        ):
            if wanted and fitted is None:
                warnings.warn(f"ImageDataGenerator sets {name} but was not fitted: call .fit(x) first", stacklevel=2)
        if self.featurewise_center and self.mean is not None:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x /= self.std + 1e-6
        if self.zca_whitening and self.zca_whitening_matrix is not None:
            x = np.reshape(x.reshape(-1, math.prod(x.shape[-3:])) @ self.zca_whitening_matrix, x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None, rng=None):
        """The random parameters of one image's transform (Keras 2's dictionary)."""
        rng = rng or (backend.host_rng() if seed is None else np.random.default_rng(seed))
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        shifts = []
        for shift_range, axis in ((self.height_shift_range, self.row_axis), (self.width_shift_range, self.col_axis)):
            shift = 0
            if isinstance(shift_range, list) and shift_range:
                shift = rng.choice(shift_range) * rng.choice([-1, 1])
            elif shift_range:
                shift = rng.uniform(-shift_range, shift_range)
            if shift_range and np.max(shift_range) < 1:
                shift *= img_shape[axis - 1]
            shifts.append(shift)
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        zx, zy = (1, 1) if self.zoom_range == [1, 1] else rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = bool(rng.random() < 0.5) and self.horizontal_flip
        flip_vertical = bool(rng.random() < 0.5) and self.vertical_flip
        shift = None
        if self.channel_shift_range:
            shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None if self.brightness_range is None else rng.uniform(*self.brightness_range)
        return {
            "theta": theta,
            "tx": shifts[0],
            "ty": shifts[1],
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": shift,
            "brightness": brightness,
        }

    def apply_transform(self, x, transform_parameters: dict):
        """One image transformed by the parameters of :meth:`get_random_transform`."""
        rows, columns, channels = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        get = transform_parameters.get
        x = apply_affine_transform(
            x,
            get("theta", 0),
            get("tx", 0),
            get("ty", 0),
            get("shear", 0),
            get("zx", 1),
            get("zy", 1),
            rows,
            columns,
            channels,
            self.fill_mode,
            self.cval,
            self.interpolation_order,
        )
        if get("channel_shift_intensity") is not None:
            x = np.clip(x + get("channel_shift_intensity"), np.min(x), np.max(x))
        if get("flip_horizontal", False):
            x = np.flip(x, columns)
        if get("flip_vertical", False):
            x = np.flip(x, rows)
        if get("brightness") is not None:
            x = apply_brightness_shift(x, get("brightness"), self.data_format)
        return x

    def random_transform(self, x, seed=None):
        """One image with a random transform applied."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """The data set's per-channel mean and standard deviation (and ZCA matrix) from ``x``."""
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"x: expected a batch of images of rank 4; received shape {x.shape}")
        rng = backend.host_rng() if seed is None else np.random.default_rng(seed)
        if self.rescale:
            x *= self.rescale
        if check_bool("augment", augment):
            x = np.stack(
                [
                    self.apply_transform(image, self.get_random_transform(image.shape, rng=rng))
                    for _ in range(rounds)
                    for image in x
                ]
            )
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (len(x), -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(len(x)) / (s + self.zca_epsilon))) @ u.T
