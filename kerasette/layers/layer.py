"""The base Layer: weights, shapes, an explicit forward and backward pass, and config.

A layer computes ``forward(inputs, training)`` and, for training, ``backward(grad)``:
the gradient of the loss with respect to its inputs, after storing the gradients of its
own weights in ``layer.gradients``. Layers know nothing of models, optimizers or files.

A layer of the user's own defines Keras's ``call(inputs, training=None)`` instead, with
weights from ``add_weight``: its forward runs ``call``, and its backward differentiates
what ``call`` recorded on the tape (:mod:`kerasette.layers.traced_call`).

Outputs are written into buffers the layer reuses from one batch to the next, so a
training step allocates almost nothing; whoever keeps an output beyond the next call
copies it (``Layer.__call__`` and ``Sequential.predict`` do).
"""

from __future__ import annotations

import functools
import re

from kerasette import backend, constraints, graph, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers import activity_regularization, traced_call
from kerasette.ops import tape
from kerasette.validation import check_bool, check_choice, check_finite_as, check_shape, host_array


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``'ZeroPadding2D'`` -> ``'zero_padding2d'``, ``'ReLU'`` -> ``'re_lu'``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


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
        activity_regularizer: Regularizer of the layer's outputs (name, object or
            function); its penalty, divided by the batch size, joins ``layer.losses``.

    Example, a layer of one's own as in Keras:
    >>> from kerasette import ops
    >>> class Linear(Layer):
    ...     def __init__(self, units=2, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer='ones')
    ...         self.b = self.add_weight(shape=(self.units,), initializer='zeros')
    ...     def call(self, inputs):
    ...         return ops.matmul(inputs, self.w) + self.b
    >>> Linear()(np.array([[1.0, 2.0]])).tolist()
    [[3.0, 3.0]]

    Built-in layers define ``forward`` and ``backward`` by hand instead:
    >>> class Double(Layer):
    ...     def forward(self, inputs, training=False):
    ...         return inputs * 2
    ...     def backward(self, grad_output, need_input_grad=True, grad_is_logits=False):
    ...         return grad_output * 2 if need_input_grad else None
    >>> Double()(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 4.0]]
    """

    #: whether the layer computes with ``call`` (set for each subclass)
    runs_call = False
    call_takes_training = False
    #: whether a recorded ``call`` differentiates its inputs (the training plan turns it
    #: off for a first layer, whose input gradient nobody uses)
    watches_inputs = True
    #: whether the layer splits its batches across the CPU's cores inside fit, evaluate
    #: and predict (``backend.batch_splitting``), which then run BLAS on one thread
    splits_batch = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.runs_call = traced_call.defines_call(cls)
        cls.call_takes_training = cls.runs_call and traced_call.takes_training(cls)
        if cls.runs_call and "build" in cls.__dict__:
            cls.build = traced_call.completing_build(cls.__dict__["build"], Layer.build)

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        input_shape=None,
        input_dim: int | None = None,
        batch_input_shape=None,
        dtype=None,
        activity_regularizer=None,
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
        self._non_trainable_names: set[str] = set()
        self.weight_regularizers: dict[str, object] = {}
        self.weight_constraints: dict[str, object] = {}
        self._added_losses: list = []
        self._activity_losses: list = []
        self._trace = self._recording_leaves = None
        self.activity_regularizer = activity_regularizer

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create weights for inputs of ``input_shape`` (batch axis first, as ``None``)."""
        self.input_shape = tuple(input_shape)
        self.built = True
        # A ``call`` layer's output shape is found by running ``call``, once its own build has made the weights.
        if not self.__dict__.get("_in_user_build"):
            try:
                self.output_shape = self.compute_output_shape(self.input_shape)
            except Exception:
                self.built = False  # a refused input shape leaves the layer unbuilt, as it found it
                raise
            if self.runs_call:
                # Running call built the layers nested in this one; their weights become its own.
                traced_call.adopt_nested_weights(self)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if self.runs_call:
            return traced_call.infer_output_shape(self, input_shape)
        return tuple(input_shape)

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        regularizer=None,
        constraint=None,
        name: str | None = None,
    ):
        """Create a weight and its gradient buffer, and return the weight (a device array).

        Args:
            shape: Shape of the weight (``()`` for a scalar).
            initializer: Name or object; ``'glorot_uniform'`` when None, as in Keras.
            dtype: Float dtype; the layer's dtype, else floatx, when None.
            trainable: False for a weight no optimizer changes (saved all the same).
            regularizer: Penalty on the weight added to the training loss (name, object or function).
            constraint: Projection applied to the weight after each optimizer update.
            name: Name of the weight, unique in the layer (``variable``, ``variable_1``... when None).
        """
        if isinstance(shape, str):
            # The earlier positional form add_weight(name, shape, initializer).
            shape, initializer, name = initializer, dtype, shape
            dtype = None
        shape = () if shape is None else (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
        initializer = initializers.get("glorot_uniform" if initializer is None else initializer)
        name = name or "variable"
        if not isinstance(name, str):
            raise TypeError(f"add_weight of layer '{self.name}': name must be a string; received {name!r}")
        unique, index = name, 0
        while unique in self.params:
            index += 1
            unique = f"{name}_{index}"
        value = initializer(shape, dtype or self.dtype or backend.floatx())
        self.params[unique] = value
        self.gradients[unique] = xp.zeros_like(value)
        if not check_bool("trainable", trainable):
            self._non_trainable_names.add(unique)
        if regularizer is not None:
            self.weight_regularizers[unique] = regularizers.get(regularizer)
        if constraint is not None:
            self.weight_constraints[unique] = constraints.get(constraint)
        return value

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: ``dense.kernel`` is the weight named 'kernel'
        # (its tape leaf while ``call`` is being recorded).
        leaves = self.__dict__.get("_recording_leaves")
        if leaves and name in leaves:
            return leaves[name]
        params = self.__dict__.get("params")
        if params is not None and name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- losses -------------------------------------------------------------------------
    @property
    def activity_regularizer(self):
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value) -> None:
        self._activity_regularizer = regularizers.get(value)
        # Only a regularized layer pays for the wrapping, through attributes of its own.
        for method in ("forward", "backward"):
            self.__dict__.pop(method, None)
        if self._activity_regularizer is not None:
            self.forward = functools.partial(activity_regularization.forward, self)
            self.backward = functools.partial(activity_regularization.backward, self)

    def add_loss(self, loss) -> None:
        """Add a loss (a scalar computed with ops in ``call``) to the training loss of this step."""
        self._added_losses.append(loss)

    def step_losses(self) -> list:
        """The losses of the last forward pass: ``add_loss`` values and the activity penalty."""
        return [tape.unwrap(loss) for loss in self._added_losses] + self._activity_losses

    @property
    def losses(self) -> list:
        """The losses of the last call (``add_loss``, activity penalty) and the weight penalties now."""
        found = self.step_losses()
        for name, regularizer in self.weight_regularizers.items():
            if name not in self._non_trainable_names and self.trainable:
                found.append(tape.unwrap(regularizer(self.params[name])))
        return found

    # -- computation ------------------------------------------------------------------
    def forward(self, inputs, training: bool = False):
        """Outputs for a batch; keeps what :meth:`backward` needs when ``training``."""
        if self.runs_call:
            return traced_call.run_call(self, inputs, training)
        return inputs

    def call(self, inputs, training=None):
        """What a layer of the user's own computes, written with ``kerasette.ops`` (Keras's ``call``)."""
        return inputs

    def backward(self, grad_output, need_input_grad: bool = True, grad_is_logits: bool = False):
        """Store weight gradients and return ``dL/dinputs`` (None if not needed).

        Args:
            grad_output: ``dL/doutputs`` for the last forward batch; may be overwritten.
            need_input_grad: False for the first layers, whose input gradient nobody uses.
            grad_is_logits: ``grad_output`` is already the gradient with respect to the
                input of this layer's final softmax (the fused cross-entropy path).
        """
        if self.runs_call:
            return traced_call.backward_call(self, grad_output, need_input_grad)
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

    def __call__(self, inputs, training: bool | None = None):
        """Apply the layer to an array, building it first if needed; returns a fresh array.

        Inside another layer's ``call`` that is being recorded, the layer records onto
        the same tape instead (and ``training`` defaults to the outer call's).

        >>> from kerasette.layers import Dense
        >>> Dense(3, kernel_initializer='ones')(np.ones((2, 4))).tolist()
        [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
        """
        if graph.is_symbolic(inputs):  # the Functional API: record a node instead of computing
            return graph.symbolic_call(self, inputs, training=training)
        if tape.is_recording():
            return traced_call.call_nested(self, inputs, training)
        training = bool(training)
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
        if not self.trainable:
            return []
        return [value for name, value in self.params.items() if name not in self._non_trainable_names]

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        return [value for name, value in self.params.items() if name in self._non_trainable_names]

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
        if self._activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self._activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
