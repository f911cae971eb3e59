"""The base Layer: weights, shapes, an explicit forward and backward pass, and config.

A layer computes ``forward(inputs, training)`` and, for training, ``backward(grad)``:
the gradient of the loss with respect to its inputs, after storing the gradients of its
own weights in ``layer.gradients``. Layers know nothing of models, optimizers or files.

Outputs are written into buffers the layer reuses from one batch to the next, so a
training step allocates almost nothing; whoever keeps an output beyond the next call
copies it (``Layer.__call__`` and ``Sequential.predict`` do).
"""

from __future__ import annotations

import re

from kerasette import backend
from kerasette.backend import xp
from kerasette.validation import check_bool, check_choice, check_finite_as, check_shape, host_array


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def unique_name(prefix: str) -> str:
    """Keras-style layer names: ``dense``, ``dense_1``, ``dense_2``, ... (reset by ``backend.clear_session``)."""
    index = backend.get_uid(prefix) - 1
    return prefix if index == 0 else f"{prefix}_{index}"


class Layer:
    """Base class of layers.

    Args:
        name: Unique name; derived from the class name when omitted.
        trainable: Whether the optimizer updates this layer's weights.
        input_shape: Shape of one sample (no batch axis); lets the model build at once.
        input_dim: Shorthand for ``input_shape=(input_dim,)``.
        batch_input_shape: Keras 2 spelling, ``(batch, *input_shape)``; the batch size is ignored.
        dtype: Keras's layer dtype: None (the backend floatx when built), 'float32' or
            'float64'; the dtype of the layer's weights.

    Example:
    >>> class Double(Layer):
    ...     def forward(self, inputs, training=False):
    ...         return inputs * 2
    ...     def backward(self, grad_output, need_input_grad=True, grad_is_logits=False):
    ...         return grad_output * 2 if need_input_grad else None
    >>> Double()(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 4.0]]
    """

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        input_shape=None,
        input_dim: int | None = None,
        batch_input_shape=None,
        dtype=None,
    ):
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"name: expected a non-empty string; received {name!r}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = check_bool("trainable", trainable)
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        self.declared_input_shape = check_shape(input_shape, "input_shape") if input_shape is not None else None
        self.dtype = None if dtype is None else check_choice("dtype", dtype, ("float32", "float64"))
        self.built = False
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        self.params: dict[str, object] = {}
        self.gradients: dict[str, object] = {}
        self._buffers: dict[str, object] = {}

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create weights for inputs of ``input_shape`` (batch axis first, as ``None``)."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def add_weight(self, name: str, shape: tuple, initializer) -> None:
        """Create a weight (of the layer's dtype, else floatx) and its gradient buffer."""
        value = initializer(shape, self.dtype or backend.floatx())
        self.params[name] = value
        self.gradients[name] = xp.zeros_like(value)

    # -- computation ------------------------------------------------------------------
    def forward(self, inputs, training: bool = False):
        """Outputs for a batch; keeps what :meth:`backward` needs when ``training``."""
        return inputs

    def backward(self, grad_output, need_input_grad: bool = True, grad_is_logits: bool = False):
        """Store weight gradients and return ``dL/dinputs`` (None if not needed).

        Args:
            grad_output: ``dL/doutputs`` for the last forward batch; may be overwritten.
            need_input_grad: False for the first layers, whose input gradient nobody uses.
            grad_is_logits: ``grad_output`` is already the gradient with respect to the
                input of this layer's final softmax (the fused cross-entropy path).
        """
        return grad_output

    @property
    def sublayers(self) -> list[Layer]:
        """The layers this layer is made of, in order (a model's layers; none for most)."""
        return []

    def leaf_layers(self) -> list[Layer]:
        """The layers that compute, in forward order: this one, or its sublayers' leaves."""
        if not self.sublayers:
            return [self]
        return [leaf for layer in self.sublayers for leaf in layer.leaf_layers()]

    @property
    def ends_in_softmax(self) -> bool:
        """Whether the last operation of this layer is a softmax over the last axis."""
        return False

    def buffer(self, key: str, shape: tuple, dtype=None):
        """A reusable array of the given shape, replaced when the shape changes."""
        array = self._buffers.get(key)
        dtype = dtype or backend.floatx()
        if array is None or array.shape != shape or array.dtype != dtype:
            array = xp.empty(shape, dtype=dtype)
            self._buffers[key] = array
        return array

    def __call__(self, inputs, training: bool = False):
        """Apply the layer to an array, building it first if needed; returns a fresh array.

        >>> from kerasette.layers import Dense
        >>> Dense(3, kernel_initializer='ones')(np.ones((2, 4))).tolist()
        [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
        """
        inputs = backend.to_device(inputs, backend.floatx())
        if not self.built:
            self.build((None,) + tuple(inputs.shape[1:]))
        return self.forward(inputs, training=training).copy()

    # -- weights ----------------------------------------------------------------------
    @property
    def weights(self) -> list:
        """The layer's weight arrays (device arrays, in a fixed order)."""
        return list(self.params.values())

    @property
    def trainable_weights(self) -> list:
        return self.weights if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        return [] if self.trainable else self.weights

    def count_params(self) -> int:
        return int(sum(weight.size for weight in self.weights))

    def get_weights(self) -> list:
        """Copies of the weights as NumPy arrays."""
        return [backend.to_numpy(weight.copy()) for weight in self.weights]

    def set_weights(self, weights: list) -> None:
        """Overwrite the weights in place from arrays of the same shapes.

        Every array is checked before any weight changes.
        """
        self.write_checked_weights(self.check_weights(weights))

    def check_weights(self, weights: list) -> list:
        """``weights`` as host arrays, each checked against the weight it would replace."""
        current = self.weights
        if not isinstance(weights, (list, tuple)) or len(weights) != len(current):
            received = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ValueError(
                f"set_weights of layer '{self.name}': expected a list of {len(current)} arrays "
                f"({[tuple(w.shape) for w in current]}); received {received}"
            )
        values = []
        for index, (value, weight) in enumerate(zip(weights, current)):
            argument = f"set_weights of layer '{self.name}': weight {index}"
            array = host_array(value, argument)
            if array.shape != tuple(weight.shape):
                raise ValueError(f"{argument} has shape {array.shape}; expected {tuple(weight.shape)}")
            check_finite_as(array, weight.dtype, argument)
            values.append(array)
        return values

    def write_checked_weights(self, values: list) -> None:
        """Copy arrays that :meth:`check_weights` returned into the weights."""
        for value, weight in zip(values, self.weights):
            weight[...] = backend.to_device(value, weight.dtype)

    # -- configuration ----------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        if self.declared_input_shape is not None:
            config["input_shape"] = list(self.declared_input_shape)
        if self.dtype is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
