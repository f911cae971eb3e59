"""SeparableConv1D and SeparableConv2D: a depthwise convolution, then a pointwise one.

The depthwise pass is :mod:`depthwise_conv`'s; the pointwise (1x1) convolution is one
matrix product of its outputs with the ``(channels * depth_multiplier, filters)``
kernel, then the bias and activation, as every convolution here ends.
"""

from __future__ import annotations

from kerasette import initializers
from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.base_conv import BaseConv
from kerasette.layers.depthwise_conv import (
    depthwise_gradients,
    depthwise_outputs,
    end_backward,
    finish_outputs,
    start_backward,
)
from kerasette.layers.weight_options import WeightOptions
from kerasette.validation import check_number


class BaseSeparableConv(WeightOptions, BaseConv):
    """A separable convolution over ``rank`` spatial axes; see :class:`SeparableConv2D`."""

    weight_prefixes = {"depthwise_kernel": "depthwise", "pointwise_kernel": "pointwise", "bias": "bias"}

    splits_batch = False  # array operations only: BLAS keeps its threads
    strided_dilation = True

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        weight_options = self._take_weight_options(kwargs)
        super().__init__(
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            **kwargs,
        )
        self._set_weight_options(weight_options)  # BaseConv set kernel_/bias_ ones to its own
        self.depth_multiplier = check_number("depth_multiplier", depth_multiplier, 1, integer=True)
        self.depthwise_initializer = initializers.get(depthwise_initializer)

    def build(self, input_shape):
        channels = self._check_input_shape(input_shape)[-1]
        depth = channels * self.depth_multiplier
        self.add_weight(
            name="depthwise_kernel",
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            **self._weight_options("depthwise_kernel"),
        )
        self.add_weight(
            name="pointwise_kernel",
            shape=(*(1,) * self.rank, depth, self.filters),
            initializer=self.kernel_initializer,
            **self._weight_options("pointwise_kernel"),
        )
        if self.use_bias:
            self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer, **self._weight_options("bias")
            )
        super(BaseConv, self).build(input_shape)

    def forward(self, state, inputs, training=False):
        geometry = self._geometry_for(convolution.channels_last_shape(self.data_format, tuple(inputs.shape)))
        depth = depthwise_outputs(self, state, inputs, geometry, self.params["depthwise_kernel"].data)
        pointwise = self.params["pointwise_kernel"].data.reshape(depth.shape[1], self.filters)
        linear = state.buffer("linear", (depth.shape[0], self.filters), inputs.dtype)
        xp.matmul(depth, pointwise, out=linear)
        if state.records:
            state.depth = depth
        return finish_outputs(self, state, linear, geometry)

    def backward(self, state, grad_output):
        grad = start_backward(self, state, grad_output)
        pointwise, depthwise = self.params["pointwise_kernel"], self.params["depthwise_kernel"]
        xp.matmul(state.depth.T, grad, out=state.gradient(pointwise).reshape(-1, self.filters))
        grad_depth = xp.matmul(grad, pointwise.data.reshape(-1, self.filters).T)
        return end_backward(self, depthwise_gradients(state, grad_depth, depthwise.data, state.gradient(depthwise)))

    def get_config(self):
        config = super().get_config()
        for argument in ("groups", "kernel_initializer"):
            del config[argument]
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = initializers.serialize(self.depthwise_initializer)
        config["pointwise_initializer"] = initializers.serialize(self.kernel_initializer)
        return {**config, **self._weight_options_config()}


class SeparableConv1D(BaseSeparableConv):
    """A depthwise 1D convolution followed by a pointwise one (``filters`` outputs).

    Args:
        filters: Number of output channels.
        kernel_size: Length of the depthwise window.
        strides: Step of the window.
        padding: 'valid' or 'same'; case-insensitive.
        data_format: 'channels_last' (the default when None) or 'channels_first'.
        dilation_rate: Spacing between kernel taps (together with ``strides > 1`` too, as Keras allows here).
        depth_multiplier: Depthwise outputs per input channel.
        activation: Activation name or function; None means linear.
        use_bias: Whether to add a bias per filter.
        depthwise_initializer: Initializer of the ``(kernel_size, channels,
            depth_multiplier)`` depthwise kernel.
        pointwise_initializer: Initializer of the ``(1, channels * depth_multiplier,
            filters)`` pointwise kernel.
        bias_initializer: Initializer of the ``(filters,)`` bias.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = SeparableConv1D(1, 2, depthwise_initializer='ones', pointwise_initializer='ones',
    ...                         input_shape=(3, 2))
    >>> layer(np.arange(6.0).reshape(1, 3, 2))[:, :, 0].tolist()
    [[6.0, 14.0]]

    Reference: Keras ``keras.layers.SeparableConv1D``.
    """

    rank = 1

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, **kwargs)


class SeparableConv2D(BaseSeparableConv):
    """A depthwise 2D convolution followed by a pointwise (1x1) one: fewer weights than a
    :class:`Conv2D` of the same window.

    Args: as :class:`SeparableConv1D`, over height and width; the depthwise kernel is
    ``(kernel_h, kernel_w, channels, depth_multiplier)``, the pointwise one ``(1, 1,
    channels * depth_multiplier, filters)``.

    Example:
    >>> layer = SeparableConv2D(1, 2, depthwise_initializer='ones', pointwise_initializer='ones',
    ...                         input_shape=(2, 2, 1))
    >>> layer(np.arange(4.0).reshape(1, 2, 2, 1)).ravel().tolist()
    [6.0]

    Reference: Keras ``keras.layers.SeparableConv2D``; Chollet, 2017 (Xception).
    """

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        depth_multiplier=1,
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, **kwargs)
