"""UpSampling1D, UpSampling2D and UpSampling3D: repeat each step, pixel or voxel.

Nearest: the inputs are broadcast into a view with a ``size`` axis after each spatial
axis, so one copy fills the output; the gradient sums over those axes. UpSampling2D's
'bilinear' interpolates instead, one matrix per axis (:mod:`axis_maps`).
"""

from __future__ import annotations

from kerasette.layers import axis_maps
from kerasette.layers.convolution import normalize_tuple
from kerasette.layers.image_inputs import check_data_format, check_spatial_input
from kerasette.layers.layer import Layer
from kerasette.validation import check_choice


class BaseUpSampling(Layer):
    """Repeats ``rank`` spatial axes ``size`` times each; see :class:`UpSampling2D`."""

    rank = 2

    def __init__(self, size=2, data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple("size", size, self.rank)
        self.data_format = check_data_format(data_format)
        self.interpolation = check_choice(
            "interpolation",
            interpolation.lower() if isinstance(interpolation, str) else interpolation,
            ("nearest", "bilinear"),
        )
        self._first = 1 if self.data_format == "channels_last" else 2

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank)
        shape = list(input_shape)
        for axis, factor in enumerate(self.size, start=self._first):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def _repeated_shape(self, shape) -> tuple:
        """``shape`` with an axis of each factor after its spatial axis."""
        expanded = list(shape[: self._first])
        for axis, factor in enumerate(self.size, start=self._first):
            expanded += [shape[axis], factor]
        return (*expanded, *shape[self._first + self.rank :])

    def forward(self, state, inputs, training=False):
        shape = self.compute_output_shape(inputs.shape)
        if self.interpolation == "bilinear":
            spatial = inputs.shape[self._first : self._first + self.rank]
            targets = shape[self._first : self._first + self.rank]
            state.matrices = axis_maps.device_matrices(
                axis_maps.bilinear_matrix, spatial, targets, self._first, inputs.dtype
            )
            return axis_maps.apply_along(inputs, state.matrices)
        outputs = state.buffer("outputs", shape, inputs.dtype)
        singles = list(self._repeated_shape(inputs.shape))
        for index in range(self.rank):
            singles[self._first + 2 * index + 1] = 1
        outputs.reshape(self._repeated_shape(inputs.shape))[...] = inputs.reshape(singles)
        state.inputs_shape = tuple(inputs.shape)
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        if self.interpolation == "bilinear":
            return axis_maps.apply_along(grad_output, state.matrices, transpose=True)
        repeat_axes = tuple(self._first + 2 * index + 1 for index in range(self.rank))
        return grad_output.reshape(self._repeated_shape(state.inputs_shape)).sum(axis=repeat_axes)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "data_format": self.data_format}


class UpSampling1D(BaseUpSampling):
    """Repeats each step of ``(batch, steps, features)`` sequences ``size`` times.

    Args:
        size: The repetition factor.

    Example:
    >>> UpSampling1D(2)(np.array([[[1.0], [2.0]]]))[0, :, 0].tolist()
    [1.0, 1.0, 2.0, 2.0]

    Reference: Keras ``keras.layers.UpSampling1D``.
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's UpSampling1D has none
        config["size"] = self.size[0]
        return config


class UpSampling2D(BaseUpSampling):
    """Enlarges images by ``size`` along rows and columns.

    Args:
        size: The factors for rows and columns (an int for both).
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.
        interpolation: ``'nearest'`` (repeat each pixel) or ``'bilinear'`` (half-pixel
            centres, as Keras's ``ops.image.resize``); Keras's bicubic and lanczos
            modes are refused.

    Example:
    >>> UpSampling2D((1, 2))(np.array([[[[1.0], [2.0]]]]))[0, :, :, 0].tolist()
    [[1.0, 1.0, 2.0, 2.0]]
    >>> UpSampling2D((1, 2), interpolation='bilinear')(np.array([[[[1.0], [2.0]]]]))[0, :, :, 0].tolist()
    [[1.0, 1.25, 1.75, 2.0]]

    Reference: Keras ``keras.layers.UpSampling2D``.
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(BaseUpSampling):
    """Enlarges volumes by ``size`` along depth, rows and columns (nearest).

    Args:
        size: The three factors (an int for all).
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.

    Example:
    >>> UpSampling3D((2, 1, 1))(np.ones((1, 1, 1, 1, 1))).shape
    (1, 2, 1, 1, 1)

    Reference: Keras ``keras.layers.UpSampling3D``.
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
