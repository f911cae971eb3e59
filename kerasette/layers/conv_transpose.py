"""Conv1DTranspose, Conv2DTranspose and Conv3DTranspose: the transposed convolution.

A transposed convolution is the input gradient of a convolution, run forward: each input
position spreads ``inputs @ kernel`` over a window of the output. So the forward pass is
one matrix product and col2im, and the backward pass im2col and two matrix products, the
same helpers as :class:`BaseConv` in the other order. The windows are laid out by the
:class:`Geometry` of the convolution whose input is the (uncropped) output; Keras's
``padding`` and ``output_padding`` then say which part of it is the output.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.base_conv import BaseConv
from kerasette.layers.convolution import Geometry, col2im, im2col
from kerasette.layers.weight_options import WeightOptions


def transposed_length(length: int, window: int, stride: int, dilation: int, padding: str, output_padding) -> tuple:
    """``(output length, cropped before)`` along one axis, as Keras 3 computes them.

    Keras pads the stride-dilated input by ``left`` and ``right`` and convolves; spreading
    windows instead, the output starts ``span - 1 - left`` positions into them.

    >>> transposed_length(4, 3, 2, 1, 'valid', None), transposed_length(4, 3, 2, 1, 'same', None)
    ((9, 0), (8, 0))
    """
    span = (window - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    else:
        total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, span - 1)
        right = total - left
    return (length - 1) * stride + left + right - span + 2, span - 1 - left


class BaseConvTranspose(WeightOptions, BaseConv):
    """A transposed convolution over ``rank`` spatial axes; see :class:`Conv2DTranspose`."""

    weight_prefixes = {"kernel": "kernel", "bias": "bias"}

    splits_batch = False  # array operations only: BLAS keeps its threads

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
        **kwargs,
    ):
        weight_options = self._take_weight_options(kwargs)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        self._set_weight_options(weight_options)  # BaseConv set kernel_/bias_ ones to its own
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = convolution.normalize_tuple("output_padding", output_padding, self.rank, 0)
            if any(pad >= stride for pad, stride in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"output_padding: expected each value smaller than its stride {self.strides} (as Keras "
                    f"requires); received {output_padding!r}"
                )

    def _lengths(self, spatial: tuple) -> list[tuple[int, int]]:
        output_padding = self.output_padding or (None,) * self.rank
        return [
            transposed_length(n, k, s, d, self.padding, p)
            for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides, self.dilation_rate, output_padding)
        ]

    def build(self, input_shape):
        channels = self._check_rank(input_shape)[-1]
        self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, self.filters, channels),
            initializer=self.kernel_initializer,
            **self._weight_options("kernel"),
        )
        if self.use_bias:
            self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer, **self._weight_options("bias")
            )
        super(BaseConv, self).build(input_shape)

    def compute_output_shape(self, input_shape):
        shape = self._check_rank(tuple(input_shape))
        spatial = tuple(
            None if n is None else length for n, (length, _) in zip(shape[1:-1], self._lengths(shape[1:-1]))
        )
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, *spatial)
        return (input_shape[0], *spatial, self.filters)

    def _geometry_for(self, channels_last_shape: tuple) -> Geometry:
        """The convolution whose input is the uncropped output; ``crop`` on it selects the output."""
        geometry = self._geometry
        if geometry is None or geometry.transposed_input_shape != channels_last_shape:
            batch, *spatial, _ = channels_last_shape
            lengths = self._lengths(spatial)
            # Long enough for every window, and for the output where output_padding reaches past them.
            scattered = [
                max((n - 1) * s + (k - 1) * d + 1, before + length)
                for n, k, s, d, (length, before) in zip(
                    spatial, self.kernel_size, self.strides, self.dilation_rate, lengths
                )
            ]
            geometry = Geometry(
                (batch, *scattered, self.filters), self.kernel_size, self.strides, self.dilation_rate, "valid"
            )
            geometry.transposed_input_shape = channels_last_shape
            geometry.transposed_output_spatial = tuple(length for length, _ in lengths)
            geometry.crop = (
                slice(None),
                *(slice(before, before + length) for length, before in lengths),
                slice(None),
            )
            self._geometry = geometry
        return geometry

    def forward(self, state, inputs, training=False):
        if self.data_format == "channels_first":
            inputs = convolution.to_channels_last(inputs, self.rank)
        geometry = self._geometry_for(tuple(inputs.shape))
        batch, channels = inputs.shape[0], inputs.shape[-1]
        flat_inputs = xp.ascontiguousarray(inputs).reshape(-1, channels)
        kernel = self.params["kernel"].data.reshape(-1, channels)
        windows = state.buffer("windows", (flat_inputs.shape[0], kernel.shape[0]), inputs.dtype)
        xp.matmul(flat_inputs, kernel.T, out=windows)
        scattered = state.buffer("scattered", geometry.input_shape, inputs.dtype)
        col2im(windows.reshape(batch, *geometry.output_spatial, *self.kernel_size, self.filters), geometry, scattered)
        spatial = geometry.transposed_output_spatial
        if self.data_format == "channels_first":
            outputs = state.buffer("outputs", (batch, self.filters, *spatial), inputs.dtype)
            outputs[...] = convolution.to_channels_first(scattered[geometry.crop], self.rank)
            bias_shape = (self.filters, *(1,) * self.rank)
        else:
            outputs = state.buffer("outputs", (batch, *spatial, self.filters), inputs.dtype)
            outputs[...] = scattered[geometry.crop]
            bias_shape = (self.filters,)
        if self.use_bias:
            outputs += self.params["bias"].data.reshape(bias_shape)
        if state.records:
            state.geometry, state.flat_inputs = geometry, flat_inputs
        return self._activate(state, outputs)

    def backward(self, state, grad_output):
        grad = self._activation_gradient(state, grad_output)
        if self.data_format == "channels_first":
            grad = convolution.to_channels_last(grad, self.rank)
        geometry, flat_inputs = state.geometry, state.flat_inputs
        if self.use_bias:
            grad.sum(axis=tuple(range(self.rank + 1)), out=state.gradient(self.params["bias"]))
        grad_scattered = state.buffer("grad_scattered", geometry.input_shape, grad.dtype)
        grad_scattered.fill(0)
        grad_scattered[geometry.crop] = grad
        batch = grad.shape[0]
        grad_windows = state.buffer(
            "grad_windows", (batch, *geometry.output_spatial, *self.kernel_size, self.filters), grad.dtype
        )
        im2col(grad_scattered, geometry, grad_windows)
        grad_windows = grad_windows.reshape(flat_inputs.shape[0], -1)
        channels = flat_inputs.shape[1]
        xp.matmul(grad_windows.T, flat_inputs, out=state.gradient(self.params["kernel"]).reshape(-1, channels))
        if not state.need_input_grad:
            return None
        grad_inputs = state.buffer("grad_inputs", flat_inputs.shape, grad.dtype)
        xp.matmul(grad_windows, self.params["kernel"].data.reshape(-1, channels), out=grad_inputs)
        grad_inputs = grad_inputs.reshape(batch, *geometry.output_spatial, channels)
        if self.data_format == "channels_first":
            return convolution.to_channels_first(grad_inputs, self.rank)
        return grad_inputs

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = None if self.output_padding is None else list(self.output_padding)
        return {**config, **self._weight_options_config()}


class Conv1DTranspose(BaseConvTranspose):
    """A transposed 1D convolution (sometimes called deconvolution) over ``(batch, steps,
    channels)`` inputs: the input gradient of :class:`Conv1D`, as a layer.

    Args:
        filters: Number of output channels.
        kernel_size: Length of the window.
        strides: Step of the window (the factor by which the sequence grows).
        padding: 'valid' or 'same' (output length ``steps * strides``); case-insensitive.
        output_padding: Extra output length at the end, smaller than ``strides``; None lets
            Keras's rule choose it.
        data_format: 'channels_last' (the default when None) or 'channels_first'.
        dilation_rate: Spacing between kernel taps; not together with ``strides > 1``.
        activation, use_bias, kernel_initializer, bias_initializer: As in :class:`Conv1D`;
            the kernel is ``(kernel_size, filters, in_channels)``, as Keras stores it.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = Conv1DTranspose(1, 2, strides=2, kernel_initializer='ones', input_shape=(2, 1))
    >>> layer(np.array([[[1.0], [2.0]]]))[0, :, 0].tolist()
    [1.0, 1.0, 2.0, 2.0]

    Reference: Keras ``keras.layers.Conv1DTranspose``.
    """

    rank = 1

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """A transposed 2D convolution: the input gradient of :class:`Conv2D`, as a layer, that
    upsamples images by learned windows.

    Args:
        filters: Number of output channels.
        kernel_size: Height and width of the window (an int for both).
        strides: Step of the window along height and width (the upsampling factors).
        padding: 'valid' or 'same' (output size ``input * strides``); case-insensitive.
        output_padding: Extra rows and columns at the end, each smaller than its stride;
            None lets Keras's rule choose them.
        data_format: 'channels_last' (the default when None) or 'channels_first'.
        dilation_rate: Spacing between kernel taps; not together with ``strides > 1``.
        activation, use_bias, kernel_initializer, bias_initializer: As in :class:`Conv2D`;
            the kernel is ``(kernel_h, kernel_w, filters, in_channels)``, as Keras stores it.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = Conv2DTranspose(1, 2, strides=2, kernel_initializer='ones', input_shape=(1, 2, 1))
    >>> layer(np.array([[[[1.0], [2.0]]]]))[0, :, :, 0].tolist()
    [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]

    Reference: Keras ``keras.layers.Conv2DTranspose``; Dumoulin and Visin, 2016.
    """

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """A transposed 3D convolution: the input gradient of :class:`Conv3D`, as a layer.

    Args: as :class:`Conv2DTranspose`, over depth, height and width; Keras 3 puts
    ``data_format`` before ``output_padding`` here, and so does this layer.

    Example:
    >>> layer = Conv3DTranspose(1, 2, kernel_initializer='ones', input_shape=(1, 1, 1, 1))
    >>> layer(np.ones((1, 1, 1, 1, 1))).shape
    (1, 2, 2, 2, 1)

    Reference: Keras ``keras.layers.Conv3DTranspose``.
    """

    rank = 3

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        output_padding=None,
        dilation_rate=(1, 1, 1),
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, **kwargs)
