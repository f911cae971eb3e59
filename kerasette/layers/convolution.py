"""Shared arithmetic of convolution and pooling: argument checks, output sizes, padding,
and the im2col / col2im pair that turns a convolution into one matrix product.

Everything works on channels-last arrays ``(batch, *spatial, channels)`` of any number of
spatial axes, so Conv1D and Conv2D, and the pooling layers, share one implementation.
Channels-last makes the matrix product natural: the patch of every output position is a
row ``(*kernel, channels)``, and a ``(*kernel, in, out)`` kernel, as Keras stores it, is
already the matching ``(rows, filters)`` matrix.

The patches are read through a strided *view* of the (padded) input, so im2col is a
single copy; col2im adds the patch gradients back with one strided addition per kernel
offset (``kh * kw`` of them), never one per pixel.
"""

from __future__ import annotations

import itertools
import math
import numbers

from kerasette import backend
from kerasette.backend import xp

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


def window_kernels(rank: int):
    """The backend's compiled window loops for ``rank`` spatial axes, or None: they see
    sequences as images of height 1 and know nothing of volumes, which (Conv3D, 3D
    pooling) therefore run on array operations everywhere."""
    return backend.window_kernels() if rank <= 2 else None


def normalize_tuple(argument: str, value, rank: int, minimum: int = 1) -> tuple[int, ...]:
    """An int or a sequence of ``rank`` ints, each ``>= minimum``, as a tuple (Keras's rule).

    >>> normalize_tuple('kernel_size', 3, 2)
    (3, 3)
    >>> normalize_tuple('strides', (1, 0), 2)
    Traceback (most recent call last):
    ValueError: strides: expected an integer >= 1 or a tuple of 2 integers >= 1; received (1, 0)
    """
    expected = f"an integer >= {minimum} or a tuple of {rank} integers >= {minimum}"
    values = (value,) * rank if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        raise ValueError(f"{argument}: expected {expected}; received {value!r}") from None
    valid = len(values) == rank and all(
        isinstance(item, numbers.Integral) and not isinstance(item, bool) and item >= minimum for item in values
    )
    if not valid:
        raise ValueError(f"{argument}: expected {expected}; received {value!r}")
    return tuple(int(item) for item in values)


def normalize_choice(argument: str, value, choices: tuple) -> str:
    """A case-insensitive choice among ``choices`` (Keras lower-cases padding and data_format)."""
    if isinstance(value, str) and value.lower() in choices:
        return value.lower()
    raise ValueError(f"{argument}: expected one of {', '.join(repr(c) for c in choices)}; received {value!r}")


def normalize_data_format(value) -> str:
    """Keras's ``data_format``: None means 'channels_last' (Keras's image_data_format default)."""
    return "channels_last" if value is None else normalize_choice("data_format", value, DATA_FORMATS)


def output_length(length: int, window: int, padding: str, stride: int, dilation: int = 1) -> int:
    """The output size along one axis, as Keras computes it ('same': ``ceil(length / stride)``).

    >>> output_length(28, 3, 'valid', 1), output_length(28, 3, 'same', 2), output_length(5, 2, 'valid', 2)
    (26, 14, 2)
    """
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return (length - span) // stride + 1 if length >= span else 0
    return -(-length // stride)  # 'same' and 'causal'


def padding_amounts(length: int, window: int, padding: str, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Zeros added (before, after) along one axis: 'same' puts the odd one after, as
    TensorFlow and Keras do; 'causal' puts all of them before."""
    if padding == "valid":
        return 0, 0
    span = (window - 1) * dilation + 1
    if padding == "causal":
        return span - 1, 0
    total = max((output_length(length, window, padding, stride) - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


class Geometry:
    """Where each window of a convolution or pooling lies, for one input shape.

    Args:
        input_shape: Channels-last shape ``(batch, *spatial, channels)``.
        window: Kernel or pool size, one int per spatial axis.
        strides, dilation: One int per spatial axis.
        padding: 'valid', 'same' or 'causal'.
    """

    def __init__(self, input_shape: tuple, window: tuple, strides: tuple, dilation: tuple, padding: str):
        self.input_shape = tuple(input_shape)
        spatial = self.input_shape[1:-1]
        self.window, self.strides, self.dilation = window, strides, dilation
        self.output_spatial = tuple(
            output_length(n, k, padding, s, d) for n, k, s, d in zip(spatial, window, strides, dilation)
        )
        self.pads = tuple(
            padding_amounts(n, k, padding, s, d) for n, k, s, d in zip(spatial, window, strides, dilation)
        )
        self.padded_spatial = tuple(n + before + after for n, (before, after) in zip(spatial, self.pads))
        self.is_padded = any(before or after for before, after in self.pads)
        self.interior = (
            (slice(None),) + tuple(slice(b, b + n) for n, (b, _) in zip(spatial, self.pads)) + (slice(None),)
        )
        self.window_size = math.prod(window)

    @property
    def planar(self) -> tuple:
        """``(output, window, strides, dilation, pads before)`` as pairs, for the compiled loops,
        which see one-axis inputs as images of height 1."""
        extra = 2 - len(self.window)
        return (
            (1,) * extra + self.output_spatial,
            (1,) * extra + self.window,
            (1,) * extra + self.strides,
            (1,) * extra + self.dilation,
            (0,) * extra + tuple(before for before, _ in self.pads),
        )

    @property
    def padded_shape(self) -> tuple:
        return (self.input_shape[0], *self.padded_spatial, self.input_shape[-1])

    def windows(self, padded):
        """A read-only strided view ``(batch, *output, *window, channels)`` of ``padded``."""
        batch_stride, *spatial_strides, channel_stride = padded.strides
        shape = (padded.shape[0], *self.output_spatial, *self.window, padded.shape[-1])
        strides = (
            batch_stride,
            *(step * s for step, s in zip(spatial_strides, self.strides)),
            *(step * d for step, d in zip(spatial_strides, self.dilation)),
            channel_stride,
        )
        return xp.lib.stride_tricks.as_strided(padded, shape=shape, strides=strides)

    def offset_slices(self):
        """For each window offset: its index in the window and the slice of the padded
        input that it reads at every output position."""
        for offset in itertools.product(*(range(k) for k in self.window)):
            region = tuple(
                slice(o * d, o * d + s * (n - 1) + 1, s)
                for o, d, s, n in zip(offset, self.dilation, self.strides, self.output_spatial)
            )
            yield offset, (slice(None), *region, slice(None))


def im2col(padded, geometry: Geometry, out):
    """Copies every window of ``padded`` into ``out``, shaped ``(batch, *output, *window, channels)``."""
    xp.copyto(out, geometry.windows(padded))
    return out


def col2im(grad_windows, geometry: Geometry, grad_padded):
    """Adds window gradients ``(batch, *output, *window, channels)`` back onto ``grad_padded``
    (zeroed here), one strided addition per window offset; returns ``grad_padded``."""
    grad_padded.fill(0)
    rank = len(geometry.window)
    for offset, region in geometry.offset_slices():
        grad_padded[region] += grad_windows[(slice(None),) * (1 + rank) + offset]
    return grad_padded


def channels_last_shape(data_format: str, shape: tuple) -> tuple:
    """``shape`` as it is channels-last: ``(batch, *spatial, channels)``."""
    if data_format == "channels_first":
        return (shape[0], *shape[2:], shape[1])
    return tuple(shape)


def padded_channels_last(inputs, data_format: str, geometry: Geometry, buffers: dict, fill):
    """``inputs`` channels-last, inside a border of ``fill`` where ``geometry`` pads them.

    The padded array is ``buffers['padded']``, filled once when it is made (or when the
    shape or dtype changes); later calls overwrite only its interior. Unpadded inputs come
    back as they are (a view when transposed)."""
    if data_format == "channels_first":
        inputs = to_channels_last(inputs, len(geometry.window))
    if not geometry.is_padded:
        return inputs
    padded = buffers.get("padded")
    if padded is None or padded.shape != geometry.padded_shape or padded.dtype != inputs.dtype:
        padded = xp.full(geometry.padded_shape, fill, dtype=inputs.dtype)
        buffers["padded"] = padded
    padded[geometry.interior] = inputs
    return padded


def to_channels_last(array, rank: int):
    """``(batch, channels, *spatial)`` as a ``(batch, *spatial, channels)`` view."""
    return array.transpose(0, *range(2, rank + 2), 1)


def to_channels_first(array, rank: int):
    """``(batch, *spatial, channels)`` as a ``(batch, channels, *spatial)`` view."""
    return array.transpose(0, rank + 1, *range(1, rank + 1))


def as_planar(array):
    """A channels-last array with one spatial axis as an image of height 1 (a view)."""
    return array if array.ndim == 4 else array.reshape(array.shape[0], 1, *array.shape[1:])
