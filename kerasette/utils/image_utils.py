"""Images to and from files and arrays, as ``keras.utils``: ``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``; and :func:`decode_image`, which reads one file for
:func:`~kerasette.utils.image_dataset_from_directory`.

Pillow decodes and resizes: ``pip install "kerasette[image]"``. It is imported on first
use, so the rest of kerasette works without it.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

from kerasette import backend
from kerasette.validation import check_bool, check_choice

COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def pillow():
    """``PIL.Image``, or an ImportError that says which extra installs it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError('kerasette\'s image utilities need Pillow: pip install "kerasette[image]"') from error
    return Image


def _resampling(interpolation: str, names: dict):
    image = pillow()
    if interpolation not in names:
        raise ValueError(f"interpolation: expected one of {', '.join(names)}; received {interpolation!r}")
    return getattr(image.Resampling, names[interpolation])


# Pillow's filters for Keras's interpolation names. Pillow's LANCZOS is Lanczos-3; 'area' is a
# box filter over each output pixel's footprint.
LOAD_IMG_INTERPOLATIONS = {n: n.upper() for n in ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")}
DATASET_INTERPOLATIONS = {
    "bilinear": "BILINEAR",
    "nearest": "NEAREST",
    "bicubic": "BICUBIC",
    "area": "BOX",
    "lanczos3": "LANCZOS",
}
# Keras's names that TensorFlow resizes with and Pillow has no filter for.
UNSUPPORTED_INTERPOLATIONS = ("lanczos5", "gaussian", "mitchellcubic")


def check_dataset_interpolation(interpolation) -> str:
    """Keras's ``interpolation`` name for image datasets (any case), refused when Pillow lacks it."""
    name = interpolation.lower() if isinstance(interpolation, str) else interpolation
    if name in UNSUPPORTED_INTERPOLATIONS:
        raise ValueError(
            f"interpolation: {interpolation!r} has no Pillow filter; expected one of "
            f"{', '.join(DATASET_INTERPOLATIONS)}"
        )
    return check_choice("interpolation", name, tuple(DATASET_INTERPOLATIONS))


def _data_format(data_format) -> str:
    if data_format is None:
        return backend.image_data_format()
    return check_choice("data_format", data_format, ("channels_last", "channels_first"))


def _open(path):
    image = pillow()
    if isinstance(path, io.BytesIO):
        return image.open(path)
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path: expected a path (str or os.PathLike) or io.BytesIO; received {type(path).__name__}")
    with open(path, "rb") as file:  # read whole, so that no file handle outlives the call
        return image.open(io.BytesIO(file.read()))


def _convert(img, color_mode: str):
    mode = COLOR_MODES[check_choice("color_mode", color_mode, tuple(COLOR_MODES))]
    if mode == "L" and img.mode in ("L", "I;16", "I"):
        return img  # keep 16- and 32-bit grayscale, as Keras does
    return img if img.mode == mode else img.convert(mode)


def load_img(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest", keep_aspect_ratio=False):
    """Loads an image file into a PIL image, as ``keras.utils.load_img``.

    Args:
        path: Path to the file, or an ``io.BytesIO``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or None to keep the file's size.
        interpolation: ``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: Crop the largest centred window of the target's aspect ratio before resizing.

    Returns:
        A ``PIL.Image.Image``.

    Example:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_img(pathlib.Path(folder) / "a.png", np.zeros((4, 6, 3)))
    ...     load_img(pathlib.Path(folder) / "a.png", target_size=(2, 3)).size
    (3, 2)
    """
    img = _open(path)
    img = _convert(img, color_mode)
    if target_size is None:
        return img
    height, width = _size("target_size", target_size)
    resample = _resampling(interpolation, LOAD_IMG_INTERPOLATIONS)
    if img.size == (width, height):
        return img
    box = None
    if check_bool("keep_aspect_ratio", keep_aspect_ratio):
        box = _crop_box(img.size, (height, width))
    return img.resize((width, height), resample, box=box)


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A PIL image as a 3D NumPy array ``(height, width, channels)`` (channels first if asked).

    >>> img_to_array(array_to_img(np.zeros((2, 3, 1)), scale=False)).shape
    (2, 3, 1)
    """
    data_format = _data_format(data_format)
    array = np.asarray(img, dtype=dtype or backend.floatx())
    if array.ndim == 2:
        array = array[:, :, None]
    elif array.ndim != 3:
        raise ValueError(f"img: expected an image of 2 or 3 dimensions; received shape {array.shape}")
    return array.transpose(2, 0, 1) if data_format == "channels_first" else array


def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """A 3D array as a PIL image; with ``scale``, values are stretched to [0, 255] first.

    One channel gives a grayscale image (32-bit integer when values exceed 255), three RGB, four RGBA.

    >>> array_to_img(np.ones((2, 3, 3))).mode, array_to_img(np.ones((2, 3, 3))).size
    ('RGB', (3, 2))
    """
    image = pillow()
    data_format = _data_format(data_format)
    array = np.array(x, dtype=dtype or backend.floatx())
    if array.ndim != 3:
        raise ValueError(f"x: expected an image of rank 3 (a single image); received shape {array.shape}")
    if data_format == "channels_first":
        array = array.transpose(1, 2, 0)
    if check_bool("scale", scale):
        array = array - array.min()
        if array.max() != 0:
            array /= array.max()
        array *= 255
    channels = array.shape[2]
    if channels in (3, 4):
        return image.fromarray(array.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if array.max() > 255:
            return image.fromarray(array[:, :, 0].astype("int32"), "I")
        return image.fromarray(array[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"x: expected 1, 3 or 4 channels; received {channels} (shape {array.shape})")


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs) -> None:
    """Writes an array as an image file; the format comes from the suffix unless ``file_format`` is given.

    RGBA arrays saved as JPEG lose their alpha channel, with a warning, as in Keras.
    """
    if isinstance(file_format, str) and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    suffix = os.path.splitext(os.fspath(path))[1].lower() if isinstance(path, (str, os.PathLike)) else ""
    jpeg = file_format.lower() == "jpeg" if isinstance(file_format, str) else suffix in (".jpg", ".jpeg")
    if img.mode == "RGBA" and jpeg:
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _size(argument: str, size) -> tuple[int, int]:
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size, size)
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1 for d in size)
    ):
        raise ValueError(f"{argument}: expected (height, width), two integers >= 1; received {size!r}")
    return int(size[0]), int(size[1])


def check_image_size(image_size) -> tuple[int, int]:
    """Keras's ``image_size``: an int for a square, or ``(height, width)``."""
    return _size("image_size", image_size)


def _crop_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest centred ``(left, top, right, bottom)`` window of ``size`` (width, height) with
    the aspect ratio of ``target`` (height, width), computed as Keras's ``smart_resize``."""
    width, height = size
    target_height, target_width = target
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
    return left, top, left + crop_width, top + crop_height


def decode_image(
    path: str,
    image_size: tuple[int, int],
    color_mode: str,
    interpolation: str,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str = "channels_last",
) -> np.ndarray:
    """One image file as a float32 array of ``image_size``, values in [0, 255], as Keras's loader.

    Animated GIFs give their first frame. ``crop_to_aspect_ratio`` crops as ``smart_resize``;
    ``pad_to_aspect_ratio`` fits the image inside ``image_size`` and pads with zeros around
    it, as ``tf.image.resize_with_pad``; otherwise the image is stretched.

    Raises:
        ValueError: naming ``path`` when the file cannot be decoded as an image.
    """
    height, width = image_size
    resample = _resampling(interpolation, DATASET_INTERPOLATIONS)
    try:
        img = _convert(_open(path), color_mode)
        img.load()
        if crop_to_aspect_ratio:
            img = img.resize((width, height), resample, box=_crop_box(img.size, image_size))
        elif pad_to_aspect_ratio:
            ratio = max(img.width / width, img.height / height)
            inner_width, inner_height = max(int(img.width / ratio), 1), max(int(img.height / ratio), 1)
            canvas = pillow().new(img.mode, (width, height))
            canvas.paste(
                img.resize((inner_width, inner_height), resample),
                ((width - inner_width) // 2, (height - inner_height) // 2),
            )
            img = canvas
        elif img.size != (width, height):
            img = img.resize((width, height), resample)
    except (OSError, SyntaxError, ValueError) as error:  # what Pillow raises for broken or foreign files
        raise ValueError(f"{path}: cannot be decoded as an image ({type(error).__name__}: {error})") from error
    array = np.asarray(img, dtype=np.float32)
    if array.ndim == 2:
        array = array[:, :, None]
    return array.transpose(2, 0, 1) if data_format == "channels_first" else array
