"""DepthwiseConv1D and DepthwiseConv2D: each input channel convolved with its own kernels.

The windows are BaseConv's im2col matrix, seen as ``(positions, window, channels)``; one
contraction over the window with the ``(window, channels, depth_multiplier)`` kernel
gives every output, channel ``c * depth_multiplier + m`` as Keras orders them. Backward
is two contractions and col2im. :mod:`separable_conv` follows the same
passes with a pointwise matrix product.
"""

from __future__ import annotations

import math

from kerasette import initializers
from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.base_conv import BaseConv
from kerasette.layers.convolution import Geometry, col2im
from kerasette.layers.weight_options import WeightOptions
from kerasette.validation import check_number


def _columns(layer, state, inputs, geometry: Geometry):
    """BaseConv's im2col matrix; on the CPU with numba, by the compiled loop (one pass, no
    padded copy of the inputs)."""
    kernels = convolution.window_kernels(layer.rank)
    if kernels is None:
        return layer._columns(state, inputs, geometry)
    if layer.data_format == "channels_first":
        inputs = convolution.to_channels_last(inputs, layer.rank)
    output, window, *planar = geometry.planar
    batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
    store = state.buffer("columns", (batch, *output, *window, channels), inputs.dtype)
    kernels.im2col(convolution.as_planar(xp.ascontiguousarray(inputs)), window, *planar, store)
    return store.reshape(batch * math.prod(output), -1)


def _input_gradient(state, grad_columns, geometry: Geometry):
    """col2im of the window gradients ``(positions, window, channels)``: the channels-last
    input gradient; compiled on the CPU with numba, as :func:`_columns`."""
    kernels = convolution.window_kernels(len(geometry.window))
    batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
    if kernels is None:
        grad_windows = grad_columns.reshape(batch, *geometry.output_spatial, *geometry.window, channels)
        grad_padded = state.buffer("grad_padded", geometry.padded_shape, grad_columns.dtype)
        return col2im(grad_windows, geometry, grad_padded)[geometry.interior]
    output, window, *planar = geometry.planar
    grad_inputs = state.buffer("grad_inputs", geometry.input_shape, grad_columns.dtype)
    grad_windows = grad_columns.reshape(batch, *output, *window, channels)
    kernels.col2im(grad_windows, window, *planar, convolution.as_planar(grad_inputs))
    return grad_inputs


def depthwise_outputs(layer, state, inputs, geometry: Geometry, kernel):
    """``(positions, channels * depth_multiplier)``: every channel's windows times its kernels."""
    columns = _columns(layer, state, inputs, geometry)
    positions, channels = columns.shape[0], geometry.input_shape[-1]
    window, multiplier = math.prod(geometry.window), kernel.shape[-1]
    # One contraction over the window per channel: einsum's plain loop is several times
    # faster than a batched matrix product whose matrices are (positions, window) by (window, 1).
    outputs = xp.einsum(
        "pwc,wcm->pcm", columns.reshape(positions, window, channels), kernel.reshape(window, channels, multiplier)
    )
    if state.records:
        state.geometry, state.columns = geometry, columns
    return outputs.reshape(positions, channels * multiplier)


def depthwise_gradients(state, grad, kernel, grad_kernel):
    """From ``grad`` ``(positions, channels * depth_multiplier)``, fills ``grad_kernel`` and
    returns the channels-last input gradient (None when it is not needed)."""
    geometry, columns = state.geometry, state.columns
    positions, channels = columns.shape[0], geometry.input_shape[-1]
    window, multiplier = math.prod(geometry.window), kernel.shape[-1]
    per_channel_grad = grad.reshape(positions, channels, multiplier)
    per_window = columns.reshape(positions, window, channels)
    grad_kernel.reshape(window, channels, multiplier)[...] = xp.einsum("pwc,pcm->wcm", per_window, per_channel_grad)
    if not state.need_input_grad:
        return None
    grad_columns = xp.einsum("pcm,wcm->pwc", per_channel_grad, kernel.reshape(window, channels, multiplier))
    return _input_gradient(state, grad_columns, geometry)


def finish_outputs(layer, state, linear, geometry: Geometry):
    """``linear`` ``(positions, channels)`` plus the bias, shaped in the layer's data format
    and activated."""
    if layer.use_bias:
        linear += layer.params["bias"].data
    batch, channels = geometry.input_shape[0], linear.shape[-1]
    outputs = linear.reshape(batch, *geometry.output_spatial, channels)
    if layer.data_format == "channels_first":
        transposed = state.buffer("outputs", (batch, channels, *geometry.output_spatial), linear.dtype)
        transposed[...] = convolution.to_channels_first(outputs, layer.rank)
        outputs = transposed
    return layer._activate(state, outputs)


def start_backward(layer, state, grad_output):
    """The gradient before the activation, as ``(positions, channels)``; fills the bias gradient."""
    grad = layer._activation_gradient(state, grad_output)
    if layer.data_format == "channels_first":
        grad = convolution.to_channels_last(grad, layer.rank)
    grad = xp.ascontiguousarray(grad).reshape(-1, grad.shape[-1])
    if layer.use_bias:
        grad.sum(axis=0, out=state.gradient(layer.params["bias"]))
    return grad


def end_backward(layer, grad_inputs):
    if grad_inputs is None or layer.data_format == "channels_last":
        return grad_inputs
    return convolution.to_channels_first(grad_inputs, layer.rank)


class BaseDepthwiseConv(WeightOptions, BaseConv):
    """A depthwise convolution over ``rank`` spatial axes; see :class:`DepthwiseConv2D`."""

    weight_prefixes = {"kernel": "depthwise", "bias": "bias"}

    splits_batch = False  # array operations only: BLAS keeps its threads
    strided_dilation = True

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier: int = 1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        self.depth_multiplier = check_number("depth_multiplier", depth_multiplier, 1, integer=True)
        weight_options = self._take_weight_options(kwargs)
        # BaseConv's filters are the outputs per input channel until build knows the channels.
        super().__init__(
            self.depth_multiplier,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            **kwargs,
        )
        self._set_weight_options(weight_options)  # BaseConv set kernel_/bias_ ones to its own

    def build(self, input_shape):
        channels = self._check_input_shape(input_shape)[-1]
        self.filters = channels * self.depth_multiplier
        self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.kernel_initializer,
            **self._weight_options("kernel"),
        )
        if self.use_bias:
            self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer, **self._weight_options("bias")
            )
        super(BaseConv, self).build(input_shape)

    def compute_output_shape(self, input_shape):
        shape = BaseConv.compute_output_shape(self, input_shape)
        channels = self._check_rank(tuple(input_shape))[-1] * self.depth_multiplier
        return (shape[0], channels, *shape[2:]) if self.data_format == "channels_first" else (*shape[:-1], channels)

    def forward(self, state, inputs, training=False):
        geometry = self._geometry_for(convolution.channels_last_shape(self.data_format, tuple(inputs.shape)))
        linear = depthwise_outputs(self, state, inputs, geometry, self.params["kernel"].data)
        return finish_outputs(self, state, linear, geometry)

    def backward(self, state, grad_output):
        grad = start_backward(self, state, grad_output)
        kernel = self.params["kernel"]
        return end_backward(self, depthwise_gradients(state, grad, kernel.data, state.gradient(kernel)))

    def get_config(self):
        config = super().get_config()
        for argument in ("filters", "groups", "kernel_initializer"):
            del config[argument]
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = initializers.serialize(self.kernel_initializer)
        return {**config, **self._weight_options_config()}


class DepthwiseConv1D(BaseDepthwiseConv):
    """A depthwise 1D convolution: each channel of ``(batch, steps, channels)`` inputs is
    convolved with its own ``depth_multiplier`` kernels.

    Args:
        kernel_size: Length of the window.
        strides: Step of the window.
        padding: 'valid' or 'same'; case-insensitive.
        depth_multiplier: Output channels per input channel.
        data_format: 'channels_last' (the default when None) or 'channels_first'.
        dilation_rate: Spacing between kernel taps (together with ``strides > 1`` too, as Keras allows here).
        activation: Activation name or function; None means linear.
        use_bias: Whether to add a bias per output channel.
        depthwise_initializer: Initializer of the ``(kernel_size, channels,
            depth_multiplier)`` kernel (Keras's layout and name, ``kernel``).
        bias_initializer: Initializer of the ``(channels * depth_multiplier,)`` bias.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = DepthwiseConv1D(2, depthwise_initializer='ones', input_shape=(3, 2))
    >>> layer(np.arange(6.0).reshape(1, 3, 2))[0].tolist()
    [[2.0, 4.0], [6.0, 8.0]]

    Reference: Keras ``keras.layers.DepthwiseConv1D``.
    """

    rank = 1

    def __init__(
        self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None, dilation_rate=1, **kwargs
    ):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, **kwargs)


class DepthwiseConv2D(BaseDepthwiseConv):
    """A depthwise 2D convolution: each channel of an image is convolved with its own
    ``depth_multiplier`` kernels; output channel ``c * depth_multiplier + m``.

    Args: as :class:`DepthwiseConv1D`, over height and width (ints for both, or pairs);
    the kernel is ``(kernel_h, kernel_w, channels, depth_multiplier)``.

    Example:
    >>> layer = DepthwiseConv2D(2, depth_multiplier=2, depthwise_initializer='ones', input_shape=(2, 2, 1))
    >>> layer(np.arange(4.0).reshape(1, 2, 2, 1)).ravel().tolist()
    [6.0, 6.0]

    Reference: Keras ``keras.layers.DepthwiseConv2D``; Chollet, 2017 (Xception).
    """

    rank = 2

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=(1, 1),
        **kwargs,
    ):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, **kwargs)
