"""Input and InputLayer: declare the shape of one sample at the start of a model."""

from __future__ import annotations

from kerasette.layers.layer import Layer
from kerasette.validation import check_shape


class InputLayer(Layer):
    """Declares the per-sample input shape of a ``Sequential`` model; passes data through.

    Args:
        shape: Shape of one sample, without the batch axis (Keras 3 name).
        batch_size: Accepted for compatibility; batches may have any size.
        input_shape: Keras 2 spelling of ``shape``.

    Example:
    >>> InputLayer(shape=(784,)).declared_input_shape
    (784,)
    """

    def __init__(self, shape=None, batch_size: int | None = None, input_shape=None, **kwargs):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer: expected shape=(...) giving the shape of one sample; received None")
        super().__init__(input_shape=check_shape(shape, "shape"), **kwargs)
        self.batch_size = batch_size

    def get_config(self):
        config = super().get_config()
        return {"name": config["name"], "shape": config.pop("input_shape")}


def Input(shape=None, batch_size: int | None = None, name: str | None = None, **kwargs) -> InputLayer:
    """``keras.Input``: in a ``Sequential`` model, the layer that fixes the input shape.

    >>> Input(shape=(28, 28)).declared_input_shape
    (28, 28)
    """
    return InputLayer(shape=shape, batch_size=batch_size, name=name, **kwargs)
