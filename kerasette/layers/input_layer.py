"""Input and InputLayer: the start of a model, the shape and dtype of one sample.

``keras.Input`` returns the symbolic tensor a Functional model is built from; its
``InputLayer`` (``tensor.keras_history.operation``) is the first layer of that model, and
the one a ``Sequential`` model may start with.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.graph import KerasTensor, Node
from kerasette.layers.layer import Layer


def _check_sample_shape(shape) -> tuple:
    """``shape`` as a tuple of positive ints, ``None`` for a free dimension (a sequence length)."""
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    valid = isinstance(shape, (tuple, list)) and all(
        dim is None or (isinstance(dim, int) and not isinstance(dim, bool) and dim > 0) for dim in shape
    )
    if not valid:
        raise ValueError(f"shape: expected a tuple of positive integers or None; received {shape!r}")
    return tuple(shape)


def _check_dtype(dtype) -> str:
    if dtype == "string":  # Keras's dtype of text inputs, which a text layer takes on the host
        return dtype
    try:
        name = xp.dtype(dtype).name
    except TypeError:
        name = None
    if name is None or xp.dtype(name).kind not in "biuf":
        raise ValueError(
            f"dtype: expected a numeric dtype such as 'float32' or 'int32', or 'string'; received {dtype!r}"
        )
    return name


class InputLayer(Layer):
    """The first layer of a model: declares the shape (and dtype) of one sample; passes data through.

    Args:
        shape: Shape of one sample, without the batch axis (``None`` for a free dimension).
        batch_size: Fixed batch size, if any (``None``: batches of any size).
        dtype: Dtype of the inputs; floatx when None; ``'string'`` for text, which stays a
            host (NumPy) array for the text layer reading it.
        sparse: Only False (kerasette has no sparse tensors).
        batch_shape: The whole shape, batch axis first, instead of ``shape`` and ``batch_size``.
        input_tensor: A KerasTensor to use as the layer's output instead of a new one.
        input_shape: Keras 2 spelling of ``shape``.
        name: Layer name (``input_layer``, ``input_layer_1``, ... when None).

    Example:
    >>> layer = InputLayer(shape=(784,))
    >>> layer.declared_input_shape, layer.output.shape
    ((784,), (None, 784))
    """

    def __init__(
        self,
        shape=None,
        batch_size: int | None = None,
        dtype=None,
        sparse: bool | None = None,
        batch_shape=None,
        input_tensor=None,
        input_shape=None,
        name: str | None = None,
        **kwargs,
    ):
        shape = shape if shape is not None else input_shape
        if batch_shape is not None:
            if shape is not None:
                raise ValueError(
                    f"InputLayer: give shape or batch_shape, not both; received shape={shape!r}, "
                    f"batch_shape={batch_shape!r}"
                )
            if not isinstance(batch_shape, (list, tuple)) or not batch_shape:
                raise ValueError(f"batch_shape: expected (batch, *shape); received {batch_shape!r}")
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None and input_tensor is not None:
            shape = input_tensor.shape[1:]
        if shape is None:
            raise ValueError("InputLayer: expected shape=(...) giving the shape of one sample; received None")
        if sparse:
            raise ValueError("sparse: kerasette has no sparse tensors; expected False or None; received True")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"batch_size: expected a positive int or None; received {batch_size!r}")
        kwargs.pop("trainable", None)
        super().__init__(name=name, **kwargs)
        self.declared_input_shape = _check_sample_shape(shape)
        self.batch_size = batch_size
        self.dtype = _check_dtype(dtype or backend.floatx())
        self.build((batch_size, *self.declared_input_shape))
        if input_tensor is None:
            input_tensor = KerasTensor(self.input_shape, dtype=self.dtype, name=self.name)
        elif not isinstance(input_tensor, KerasTensor):
            raise TypeError(f"input_tensor: expected a KerasTensor; received {type(input_tensor).__name__}")
        Node(self, outputs=input_tensor)

    def get_config(self):
        return {"batch_shape": list(self.input_shape), "dtype": self.dtype, "sparse": False, "name": self.name}


def Input(
    shape=None,
    batch_size: int | None = None,
    dtype=None,
    sparse: bool | None = None,
    batch_shape=None,
    name: str | None = None,
    tensor=None,
) -> KerasTensor:
    """``keras.Input``: a symbolic tensor to build a Functional model from.

    Args:
        shape: Shape of one sample, without the batch axis (``None`` for a free dimension).
        batch_size: Fixed batch size, if any.
        dtype: Dtype of the inputs; floatx when None.
        sparse: Only False (kerasette has no sparse tensors).
        batch_shape: The whole shape, batch axis first, instead of ``shape`` and ``batch_size``.
        name: Name of the input (and of its InputLayer).
        tensor: A KerasTensor to wrap instead of making a new one.

    Example:
    >>> x = Input(shape=(28, 28), name='image')
    >>> x.shape, x.name, type(x.keras_history.operation).__name__
    ((None, 28, 28), 'image', 'InputLayer')
    """
    layer = InputLayer(shape, batch_size, dtype, sparse, batch_shape, input_tensor=tensor, name=name)
    return layer.output
