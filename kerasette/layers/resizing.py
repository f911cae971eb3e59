"""Resizing and CenterCrop, and the resampling they share with RandomCrop.

Resizing is linear in the pixels, so it is written as two small matrices, one per image
axis: ``outputs = rows @ image @ columns.T`` for each image and channel, and the gradient
is ``rows.T @ grad @ columns``. The matrices follow Keras 3 (its PyTorch backend's
``interpolate``): half-pixel centres, ``"nearest"`` as nearest-exact, ``"bicubic"`` with
``A = -0.75``, and with ``antialias`` (downscaling) the Pillow-style filters. Cropping to
the target aspect ratio selects columns of the matrices; padding to it adds
``fill_value`` where the padding lands.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers.image_preprocessing import ImagePreprocessingLayer, check_size
from kerasette.validation import check_bool, check_choice, check_number

INTERPOLATIONS = ("bilinear", "nearest", "bicubic")


def _cubic(distance, a: float):
    """The cubic convolution kernel (Keys) at ``|distance|``."""
    d = xp.abs(distance)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return xp.where(d <= 1, near, xp.where(d < 2, far, 0.0))


def _taps(source, size: int, count: int):
    """Indices ``floor(source) - count/2 + 1 + k`` for ``k < count``, clamped into the axis."""
    first = xp.floor(source) - (count // 2 - 1)
    offsets = first[:, None] + xp.arange(count)[None, :]
    return offsets, xp.clip(offsets, 0, size - 1).astype("int64")


def _matrix(indices, weights, size: int):
    """The (out, size) matrix with ``weights[o, k]`` at column ``indices[o, k]`` (repeats add up)."""
    columns = xp.arange(size)
    return (weights[:, :, None] * (indices[:, :, None] == columns[None, None, :])).sum(axis=1)


def _antialiased(size: int, out_size: int, interpolation: str):
    """Pillow's (and PyTorch's ``antialias=True``) filter: widened by the downscale factor."""
    scale = size / out_size
    support = (1.0 if interpolation == "bilinear" else 2.0) * max(scale, 1.0)
    centers = (xp.arange(out_size) + 0.5) * scale
    columns = xp.arange(size)[None, :]
    first = xp.maximum(xp.floor(centers - support + 0.5), 0)[:, None]
    last = xp.minimum(xp.floor(centers + support + 0.5), size)[:, None]
    distance = (columns - centers[:, None] + 0.5) / max(scale, 1.0)
    if interpolation == "bilinear":
        weights = xp.maximum(1.0 - xp.abs(distance), 0.0)
    else:
        weights = _cubic(distance, -0.5)
    weights = xp.where((columns >= first) & (columns < last), weights, 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


def interpolation_matrix(size: int, out_size: int, interpolation: str, antialias: bool = False):
    """The (out_size, size) float64 matrix that resizes one axis."""
    scale = size / out_size
    outputs = xp.arange(out_size, dtype="float64")
    if antialias and interpolation != "nearest" and scale > 1:
        return _antialiased(size, out_size, interpolation)
    if interpolation == "nearest":
        source = xp.minimum(xp.floor((outputs + 0.5) * scale), size - 1).astype("int64")
        return _matrix(source[:, None], xp.ones((out_size, 1)), size)
    source = (outputs + 0.5) * scale - 0.5
    if interpolation == "bilinear":
        source = xp.maximum(source, 0.0)
        offsets, indices = _taps(source, size, 2)
    else:
        offsets, indices = _taps(source, size, 4)
    distance = source[:, None] - offsets
    weights = xp.maximum(1.0 - xp.abs(distance), 0.0) if interpolation == "bilinear" else _cubic(distance, -0.75)
    return _matrix(indices, weights, size)


def aspect_box(height: int, width: int, target_height: int, target_width: int, pad: bool = False):
    """Keras's centred box of the target's aspect ratio: ``(top, box_height, left, box_width)``
    inside the image (crop), or around it when ``pad`` (negative offsets)."""
    box_height = int(float(width * target_height) / target_width)
    box_width = int(float(height * target_width) / target_height)
    if pad:
        # Keras pads the same amount on both sides, int((padded - size) / 2) each.
        top = int(float(max(height, box_height) - height) / 2)
        left = int(float(max(width, box_width) - width) / 2)
        return -top, height + 2 * top, -left, width + 2 * left
    box_height = max(min(height, box_height), 1)
    box_width = max(min(width, box_width), 1)
    return int(float(height - box_height) / 2), box_height, int(float(width - box_width) / 2), box_width


class Resampler:
    """``outputs = rows @ image @ columns.T + constant`` per image and channel; built for one
    input size (the matrices read the box ``[start, start + length)`` of each axis: a crop
    when inside the image, padding with ``fill_value`` where it reaches outside)."""

    def __init__(self, size, box, target, interpolation="bilinear", antialias=False, fill_value=0.0):
        (height, width), (top, box_height, left, box_width) = size, box
        self.key = (size, box, target)
        self.rows = self._axis(height, top, box_height, target[0], interpolation, antialias)
        self.columns = self._axis(width, left, box_width, target[1], interpolation, antialias)
        covered = xp.outer(self.rows.sum(axis=1), self.columns.sum(axis=1))
        self.constant = None if fill_value == 0 or bool((covered == 1).all()) else fill_value * (1.0 - covered)

    @staticmethod
    def _axis(size, start, length, target, interpolation, antialias):
        box = interpolation_matrix(length, target, interpolation, antialias)
        # Column j of the box is pixel start + j of the image; those outside it are padding.
        pixels = xp.arange(length) + start
        inside = (pixels >= 0) & (pixels < size)
        matrix = xp.zeros((target, size))
        matrix[:, pixels[inside]] = box[:, inside]
        return matrix

    def apply(self, images, channels_last: bool, transpose: bool = False):
        """The resampled batch (or, with ``transpose``, the gradient's way back)."""
        rows, columns = self.rows.astype(images.dtype), self.columns.astype(images.dtype)
        if transpose:
            rows, columns = rows.T, columns.T
        planes = xp.moveaxis(images, -1, 1) if channels_last else images
        outputs = xp.matmul(xp.matmul(rows, planes), columns.T)
        if self.constant is not None and not transpose:
            outputs += self.constant.astype(images.dtype)
        return xp.ascontiguousarray(xp.moveaxis(outputs, 1, -1) if channels_last else outputs)


def resampler_for(layer, size, box, target, interpolation="bilinear", antialias=False, fill_value=0.0) -> Resampler:
    """``layer``'s resampler for this input size, made again only when the size changes."""
    cached = layer.__dict__.get("_resampler")
    if cached is None or cached.key != (size, box, target):
        cached = layer._resampler = Resampler(size, box, target, interpolation, antialias, fill_value)
    return cached


class SizedLayer(ImagePreprocessingLayer):
    """Base of the layers whose output is ``(height, width)``: a crop (``state.top`` set) or a
    resampling (``state.resampler`` set), each with its exact gradient."""

    def __init__(self, height, width, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height, self.width = check_size("height", height), check_size("width", width)

    def cropped(self, state, images, top: int, left: int):
        state.input_shape, state.top, state.left = images.shape, top, left
        return xp.ascontiguousarray(crop(images, top, left, self.height, self.width, self.height_axis))

    def resampled(self, state, images, box, options=("bilinear", False, 0.0)):
        size, target = self.image_size(images), (self.height, self.width)
        state.top, state.resampler = None, resampler_for(self, size, box, target, *options)
        return state.resampler.apply(images, self.data_format == "channels_last")

    def transform_backward(self, state, grad_output):
        if state.top is None:
            return state.resampler.apply(grad_output, self.data_format == "channels_last", transpose=True)
        return uncrop(grad_output, state.input_shape, state.top, state.left, self.height_axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class Resizing(SizedLayer):
    """Resizes images to ``(height, width)``, in training and inference alike.

    Args:
        height, width: The output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"`` or ``"bicubic"``.
        crop_to_aspect_ratio: Crop the largest centred box of the target's aspect ratio first.
        pad_to_aspect_ratio: Pad (with ``fill_value``) to the target's aspect ratio first.
        fill_mode: Only ``"constant"``, as in Keras.
        fill_value: The padding's value.
        antialias: Filter when downscaling (bilinear and bicubic), as Pillow does.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
    >>> image = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> Resizing(2, 2)(image)[0, :, :, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]

    Reference: Keras ``keras.layers.Resizing``.
    """

    augments = False

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(height, width, data_format=data_format, **kwargs)
        self.interpolation = check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.crop_to_aspect_ratio = check_bool("crop_to_aspect_ratio", crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = check_bool("pad_to_aspect_ratio", pad_to_aspect_ratio)
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            raise ValueError("crop_to_aspect_ratio, pad_to_aspect_ratio: expected at most one True; received both")
        self.fill_mode = check_choice("fill_mode", fill_mode, ("constant",))
        self.fill_value = check_number("fill_value", fill_value)
        self.antialias = check_bool("antialias", antialias)

    def transform(self, state, images):
        size = self.image_size(images)
        if self.crop_to_aspect_ratio or self.pad_to_aspect_ratio:
            box = aspect_box(*size, self.height, self.width, pad=self.pad_to_aspect_ratio)
        else:
            box = (0, size[0], 0, size[1])
        return self.resampled(state, images, box, (self.interpolation, self.antialias, self.fill_value))

    def get_config(self):
        options = ("interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value")
        return {**super().get_config(), **{name: getattr(self, name) for name in (*options, "antialias")}}


def crop(images, top: int, left: int, height: int, width: int, height_axis: int):
    """The ``(height, width)`` window at ``(top, left)`` of each image (a view)."""
    window = [slice(None)] * images.ndim
    window[height_axis] = slice(top, top + height)
    window[height_axis + 1] = slice(left, left + width)
    return images[tuple(window)]


def uncrop(grad_output, input_shape, top: int, left: int, height_axis: int):
    """The gradient of :func:`crop`: ``grad_output`` placed in zeros of the input's shape."""
    grad = xp.zeros(input_shape, dtype=grad_output.dtype)
    crop(grad, top, left, grad_output.shape[height_axis], grad_output.shape[height_axis + 1], height_axis)[...] = (
        grad_output
    )
    return grad


class CenterCrop(SizedLayer):
    """The centred ``(height, width)`` window of each image, in training and inference alike;
    an image smaller than that is first cropped to the target's aspect ratio, then resized
    (bilinear), as Keras's ``smart_resize``.

    Args:
        height, width: The output size.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
    >>> image = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> CenterCrop(2, 2)(image)[0, :, :, 0].tolist()
    [[5.0, 6.0], [9.0, 10.0]]

    Reference: Keras ``keras.layers.CenterCrop``.
    """

    augments = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)

    def transform(self, state, images):
        height, width = self.image_size(images)
        if height >= self.height and width >= self.width:
            return self.cropped(state, images, (height - self.height) // 2, (width - self.width) // 2)
        return self.resampled(state, images, aspect_box(height, width, self.height, self.width))
