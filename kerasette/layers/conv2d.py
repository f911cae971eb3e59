"""Conv2D: the 2D convolution layer (spatial convolution over images)."""

from __future__ import annotations

from kerasette.layers.base_conv import BaseConv


class Conv2D(BaseConv):
    """A 2D convolution, ``activation(conv2d(inputs, kernel) + bias)``.

    Args:
        filters: Number of output channels.
        kernel_size: Height and width of the window (an int for both).
        strides: Step of the window along height and width (an int for both).
        padding: 'valid' (no padding) or 'same' (zeros so that the output size is
            ``ceil(input / strides)``, the odd one after, as Keras pads); case-insensitive.
        data_format: 'channels_last' (``(batch, height, width, channels)``, the default
            when None) or 'channels_first' (``(batch, channels, height, width)``).
        dilation_rate: Spacing between kernel taps (an int for both); Keras refuses
            ``strides > 1`` together with ``dilation_rate > 1``, and so does this layer.
        groups: Only 1.
        activation: Activation name or function; None means linear.
        use_bias: Whether to add a bias per filter.
        kernel_initializer: Initializer of the ``(kernel_h, kernel_w, in_channels,
            filters)`` kernel (Keras's layout, so weights interchange with Keras files).
        bias_initializer: Initializer of the ``(filters,)`` bias.
        kernel_regularizer, bias_regularizer: Penalties added to the training loss.
        activity_regularizer: Penalty on the outputs, divided by the batch size.
        kernel_constraint, bias_constraint: Projections applied after each update.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = Conv2D(1, 2, kernel_initializer='ones', input_shape=(3, 3, 1))
    >>> layer(np.arange(9.0).reshape(1, 3, 3, 1))[0, :, :, 0].tolist()
    [[8.0, 12.0], [20.0, 24.0]]

    Reference: Keras ``keras.layers.Conv2D``.
    """

    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
