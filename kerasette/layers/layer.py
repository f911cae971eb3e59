"""The base Layer: weights (Variables), shapes, calls, losses and config.

A layer is applied with ``layer(inputs, training=None)``, which builds it on first use
and runs ``call``. A layer of the user's own defines Keras's ``call`` with
:mod:`kerasette.ops` and weights from ``add_weight``; the tape differentiates it.
A built-in layer defines a hand-written ``forward(state, inputs, training)`` and
``backward(state, grad)`` instead, which its ``call`` runs as one op of the tape with a
state per call (:mod:`kerasette.layers.layer_call`); a subclass of a built-in layer may
override ``call`` and reach the built-in computation with ``super().call(inputs)``.

Layers held in attributes (directly, or in lists, tuples and dicts) are tracked as in
Keras: their weights and losses are this layer's too, and ``trainable`` propagates to
them. Layers know nothing of models, optimizers or files.
"""

from __future__ import annotations

from kerasette import backend, graph, regularizers
from kerasette.layers import layer_call, own_call
from kerasette.layers.layer_weights import LayerWeights
from kerasette.naming import snake_case, unique_name
from kerasette.ops import tape
from kerasette.validation import check_choice, check_shape
from kerasette.variables import Variable

# The enclosing call: nested calls inherit its ``training``; the outermost clears losses.
_context = {"depth": 0, "training": False}


def _device_inputs(inputs):
    """Arrays as device arrays in floatx; tensors and variables as they are; lists and dicts item by item."""
    if isinstance(inputs, tape.Tensor) or (backend.is_device_array(inputs) and inputs.dtype == backend.floatx()):
        return inputs
    if isinstance(inputs, dict):
        return {key: _device_inputs(value) for key, value in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_device_inputs(value) for value in inputs)
    return backend.to_device(inputs, backend.floatx())


def _batch_shape(output) -> tuple:
    """The shape of one output with the batch axis as None (a number has shape ``(None,)``)."""
    return (None, *tuple(getattr(output, "shape", ()))[1:])


def _shapes(inputs):
    """The build shape of ``inputs``: the batch axis as None, for each array in a structure."""
    if isinstance(inputs, dict):
        return {key: _shapes(value) for key, value in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [_shapes(value) for value in inputs]
    return (None,) + tuple(inputs.shape[1:])


class Layer(LayerWeights):
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

    Built-in layers define ``forward`` and ``backward`` by hand instead, keeping what
    the backward pass needs in the call's ``state``:
    >>> class Double(Layer):
    ...     def forward(self, state, inputs, training=False):
    ...         return inputs * 2
    ...     def backward(self, state, grad_output):
    ...         return grad_output * 2 if state.need_input_grad else None
    >>> Double()(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 4.0]]
    """

    #: whether ``call`` accepts ``training`` (set for each subclass)
    call_takes_training = True
    #: whether the layer splits its batches across the CPU's cores inside fit, evaluate
    #: and predict (``backend.batch_splitting``), which then run BLAS on one thread
    splits_batch = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.call_takes_training = own_call.takes_training(cls)
        # The package's own models and layers finish their builds themselves (``super().build``).
        is_own = cls.__module__.startswith("kerasette.")
        if "build" in cls.__dict__ and cls.uses_own_call() and not is_own:
            cls.build = own_call.completing_build(cls.__dict__["build"], Layer.build)

    @classmethod
    def uses_own_call(cls) -> bool:
        """Whether the class computes with a ``call`` of its own rather than a built-in forward."""
        return cls.call is not Layer.call

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
        self.params: dict[str, Variable] = {}
        self._non_trainable_names: set[str] = set()
        self.weight_regularizers: dict[str, object] = {}
        self._call_losses: list = []
        self.trainable = trainable
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        self.declared_input_shape = check_shape(input_shape, "input_shape") if input_shape is not None else None
        self.dtype = None if dtype is None else check_choice("dtype", dtype, ("float32", "float64"))
        self.built = False
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        self.activity_regularizer = activity_regularizer

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create weights for inputs of ``input_shape`` (batch axis first, as ``None``)."""
        self.input_shape = tuple(input_shape) if graph.symbolic.is_shape(input_shape) else input_shape
        self.built = True
        # A layer of one's own finds its output shape by running ``call``, once its build made the weights.
        if not self.__dict__.get("_in_user_build") and self.__dict__.get("_traces_output_shape", True):
            try:
                self.output_shape = self.compute_output_shape(self.input_shape)
            except Exception:
                self.built = False  # a refused input shape leaves the layer unbuilt, as it found it
                raise

    def compute_output_shape(self, input_shape):
        if type(self).uses_own_call():
            return own_call.infer_output_shape(self, input_shape)
        return tuple(input_shape)

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: ``dense.kernel`` is the weight named 'kernel'.
        params = self.__dict__.get("params")
        if params is not None and name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- the layers inside this one -------------------------------------------------------
    def _tracked_layers(self) -> list[Layer]:
        """The layers held in this layer's attributes (directly, or in lists, tuples and dicts,
        nested as deep as they go), in order."""
        found, seen = [], {id(self)}

        def visit(value) -> None:
            if isinstance(value, Layer):
                if id(value) not in seen:
                    seen.add(id(value))
                    found.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)

        for value in self._layer_attributes().values():
            visit(value)
        return found

    def _layer_attributes(self) -> dict:
        """``{attribute: value}`` of the attributes that hold layers (directly, or in lists,
        tuples and dicts), in assignment order: what the model is made of. The training plan's
        cache of every layer below (``_planned_layers``) is not part of it."""

        def holds_layers(value) -> bool:
            if isinstance(value, dict):
                value = list(value.values())
            if isinstance(value, (list, tuple)):
                return any(holds_layers(item) for item in value)
            return isinstance(value, Layer)

        return {name: value for name, value in vars(self).items() if name != "_planned_layers" and holds_layers(value)}

    def _flatten_layers(self) -> list[Layer]:
        """This layer and every layer inside it, each once, depth first.

        A compiled model's list is fixed with its training plan (``_planned_layers``), as
        Keras fixes a model's structure at compile, so a step does not walk the attributes.
        """
        planned = self.__dict__.get("_planned_layers")
        if planned is not None:
            return planned
        found, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            found.append(layer)
            stack.extend(reversed(layer._tracked_layers()))
        return found

    @property
    def sublayers(self) -> list[Layer]:
        """The layers a model is made of, in order (none for a layer that is not a model)."""
        return []

    # -- losses -------------------------------------------------------------------------
    @property
    def activity_regularizer(self):
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value) -> None:
        self._activity_regularizer = regularizers.get(value)

    def add_loss(self, loss) -> None:
        """Add a loss (a scalar computed with ops in ``call``) to the training loss of this call."""
        self._call_losses.append(loss)

    @property
    def losses(self) -> list:
        """The losses of the last call (``add_loss``, activity penalties) of this layer and
        the layers inside it, then their weight penalties now; recorded on the tape while
        one records, so that training differentiates them."""
        layers = self._flatten_layers()
        found = [loss for layer in layers for loss in layer._call_losses]
        for layer in layers:
            for name, regularizer in layer.weight_regularizers.items():
                if layer.params[name].trainable:
                    found.append(regularizer(layer.params[name]))
        return found

    # -- computation ------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Apply the layer (building it first if needed); ``training`` defaults to the
        enclosing call's, and to False at the top.

        >>> from kerasette.layers import Dense
        >>> Dense(3, kernel_initializer='ones')(np.ones((2, 4))).tolist()
        [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
        """
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise TypeError(f"layer '{self.name}': expected inputs as the first argument; received none")
        training = kwargs.pop("training", None)
        if graph.is_symbolic(inputs):  # the Functional API: record a node instead of computing
            return graph.symbolic_call(self, inputs, *args, training=training, **kwargs)
        outer_depth, outer_training = _context["depth"], _context["training"]
        training = (outer_training if outer_depth else False) if training is None else bool(training)
        inputs = _device_inputs(inputs)
        if not self.built:
            # A call of one's own given more than the inputs (``call(z_mean, z_log_var)``) cannot be
            # traced from the inputs' shape alone: its output shape is taken from this call instead.
            self._traces_output_shape = not (args or kwargs) or not type(self).uses_own_call()
            self.build(_shapes(inputs))
        if outer_depth == 0:
            for layer in self._flatten_layers():
                layer._call_losses = []
        _context["depth"], _context["training"] = outer_depth + 1, training
        try:
            if type(self).call_takes_training:
                kwargs["training"] = training
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _context["depth"], _context["training"] = outer_depth, outer_training
        if self._activity_regularizer is not None:
            self._add_activity_penalty(outputs)
        if self.output_shape is None:
            self.output_shape = graph.map_structure(
                lambda value: (None, *tuple(getattr(value, "shape", ()))[1:]), outputs
            )
        return outputs

    def call(self, inputs, training=None):
        """What the layer computes (Keras's ``call``): a built-in layer's hand-written
        passes as one op of the tape; the identity for the base class."""
        if type(self).forward is Layer.forward:
            return inputs
        return layer_call.run(self, inputs, _context["training"] if training is None else bool(training))

    def forward(self, state, inputs, training: bool = False):
        """A built-in layer's outputs for a batch; keeps what :meth:`backward` needs in ``state``."""
        raise NotImplementedError(f"{type(self).__name__} computes with call(); it has no hand-written forward")

    def backward(self, state, grad_output):
        """A built-in layer's backward pass: fill ``state.gradient(weight)`` for each weight
        (when ``state.need_weight_grads``) and return ``dL/dinputs`` (when
        ``state.need_input_grad``, else None). ``grad_output`` may be overwritten."""
        raise NotImplementedError(f"{type(self).__name__} computes with call(); it has no hand-written backward")

    def _add_activity_penalty(self, outputs) -> None:
        """As Keras: the activity regularizer's penalty of each output, divided by the batch size."""
        for output in outputs if isinstance(outputs, (list, tuple)) else (outputs,):
            batch_size = output.shape[0] if len(output.shape) else 1
            self.add_loss(self._activity_regularizer(output) / batch_size)

    @property
    def ends_in_softmax(self) -> bool:
        """Whether the last operation of this layer is a softmax over the last axis."""
        return False

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
