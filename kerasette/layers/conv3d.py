"""Conv3D: the 3D convolution layer (spatial convolution over volumes)."""

from __future__ import annotations

from kerasette.layers.base_conv import BaseConv


class Conv3D(BaseConv):
    """A 3D convolution over ``(batch, depth, rows, cols, channels)`` inputs.

    The same im2col and matrix product as :class:`Conv2D`, over three spatial axes; the
    compiled CPU loops handle one or two, so volumes always take the array formulation.

    Args:
        filters: Number of output channels.
        kernel_size: Depth, height and width of the window (an int for all three).
        strides: Step of the window along each axis (an int for all three).
        padding: 'valid' or 'same' (the odd zero after, as Keras pads); case-insensitive.
        data_format: 'channels_last' (the default when None) or 'channels_first'
            (``(batch, channels, depth, rows, cols)``).
        dilation_rate: Spacing between kernel taps; not together with ``strides > 1``.
        groups: Only 1.
        activation, use_bias, kernel_initializer, bias_initializer: As in :class:`Conv2D`;
            the kernel is ``(kd, kh, kw, in_channels, filters)``, as Keras stores it.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = Conv3D(1, 2, kernel_initializer='ones', input_shape=(2, 2, 2, 1))
    >>> layer(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel().tolist()
    [28.0]

    Reference: Keras ``keras.layers.Conv3D``.
    """

    rank = 3
    splits_batch = False

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1, 1),
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
