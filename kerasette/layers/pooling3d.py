"""MaxPooling3D and AveragePooling3D: downsampling volumes by windows."""

from __future__ import annotations

from kerasette.layers.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """The maximum of each ``pool_size`` window of a volume, per channel.

    Args:
        pool_size: Window depth, height and width (an int for all three).
        strides: Step of the window; None means ``pool_size``.
        padding: 'valid' or 'same' (output size ``ceil(input / strides)``); case-insensitive.
        data_format: 'channels_last' (``(batch, depth, rows, cols, channels)``, the default
            when None) or 'channels_first'.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> MaxPooling3D()(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel().tolist()
    [7.0]

    Reference: Keras ``keras.layers.MaxPooling3D``.
    """

    rank = 3
    mode = "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """The mean of each ``pool_size`` window of a volume, per channel; with 'same'
    padding, windows that overlap the border average their real inputs only.

    Args:
        pool_size: Window depth, height and width. Keras 3 gives it no default, nor
            does this layer.
        strides, padding, data_format: As in :class:`MaxPooling3D`.
        **kwargs: Base layer arguments.

    Example:
    >>> AveragePooling3D(2)(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel().tolist()
    [3.5]

    Reference: Keras ``keras.layers.AveragePooling3D``.
    """

    rank = 3
    mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
