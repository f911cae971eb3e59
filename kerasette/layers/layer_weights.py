"""The weights of a layer: ``add_weight``, the weight lists Keras has, ``trainable``, and
getting and setting them as arrays.

Every weight is a :class:`~kerasette.Variable`. A layer's own are in ``layer.params``
(name -> variable, in creation order); ``weights`` adds those of the layers held in its
attributes (``_tracked_layers``), each once, so a layer shared by two models or called
from two places is one set of variables.
"""

from __future__ import annotations

from kerasette import backend, regularizers
from kerasette.ops import tape
from kerasette.validation import check_bool, check_finite_as, host_array
from kerasette.variables import Variable


class LayerWeights:
    """The weight half of :class:`~kerasette.layers.Layer` (which provides ``params``,
    ``_non_trainable_names``, ``weight_regularizers`` and ``_tracked_layers``)."""

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        regularizer=None,
        constraint=None,
        name: str | None = None,
        autocast: bool = True,
        aggregation: str = "none",
    ) -> Variable:
        """Create a weight and return it (a :class:`~kerasette.Variable`).

        Args:
            shape: Shape of the weight (``()`` for a scalar).
            initializer: Name or object; ``'glorot_uniform'`` when None, as in Keras.
            dtype: Float dtype; the layer's dtype, else floatx, when None.
            trainable: False for a weight no optimizer changes (saved all the same).
            regularizer: Penalty on the weight added to the training loss (name, object or function).
            constraint: Projection applied to the weight after each optimizer update.
            name: Name of the weight, unique in the layer (``variable``, ``variable_1``... when None).
            autocast, aggregation: Keras's arguments (see :class:`~kerasette.Variable`).
        """
        if isinstance(shape, str):
            # The earlier positional form add_weight(name, shape, initializer).
            shape, initializer, name = initializer, dtype, shape
            dtype = None
        shape = () if shape is None else (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
        name = name or "variable"
        if not isinstance(name, str):
            raise TypeError(f"add_weight of layer '{self.name}': name must be a string; received {name!r}")
        unique, index = name, 0
        while unique in self.params:
            index += 1
            unique = f"{name}_{index}"
        trainable = check_bool("trainable", trainable)
        variable = Variable(
            "glorot_uniform" if initializer is None else initializer,
            shape=shape,
            dtype=dtype or self.dtype or backend.floatx(),
            trainable=trainable and self.trainable,
            autocast=autocast,
            aggregation=aggregation,
            name=unique,
            constraint=constraint,
        )
        variable.path = f"{self.name}/{unique}"
        self.params[unique] = variable
        if not trainable:
            self._non_trainable_names.add(unique)
        if regularizer is not None:
            self.weight_regularizers[unique] = regularizers.get(regularizer)
        return variable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # As in Keras: the layer's weights (those created trainable) and the layers inside follow.
        self._trainable = check_bool("trainable", value)
        for name, variable in self.params.items():
            if name not in self._non_trainable_names:
                variable.trainable = self._trainable
        for layer in self._tracked_layers():
            layer.trainable = self._trainable

    @property
    def weights(self) -> list[Variable]:
        """The layer's variables, then those of the layers inside it, each once."""
        found, seen = [], set()
        for variable in [*self.params.values(), *(v for layer in self._tracked_layers() for v in layer.weights)]:
            if id(variable) not in seen:
                seen.add(id(variable))
                found.append(variable)
        return found

    def named_weights(self) -> list[tuple[str, Variable]]:
        """``(name, variable)`` for :attr:`weights`: a nested layer's as ``'<layer>.<weight>'``."""
        found, seen = [], set()
        own = [(name, variable) for name, variable in self.params.items()]
        nested = [(f"{layer.name}.{name}", v) for layer in self._tracked_layers() for name, v in layer.named_weights()]
        for name, variable in own + nested:
            if id(variable) not in seen:
                seen.add(id(variable))
                found.append((name, variable))
        return found

    @property
    def trainable_weights(self) -> list[Variable]:
        return [variable for variable in self.weights if variable.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [variable for variable in self.weights if not (self.trainable and variable.trainable)]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def count_params(self) -> int:
        return int(sum(weight.size for weight in self.weights))

    def get_weights(self) -> list:
        """Copies of the weights as NumPy arrays."""
        return [weight.numpy() for weight in self.weights]

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
        # Errors name the layer that owns the weight and its index there, as a model's layers count them.
        owners = {
            id(v): (layer.name, i) for layer in self._flatten_layers() for i, v in enumerate(layer.params.values())
        }
        values = []
        for value, weight in zip(weights, current):
            owner, index = owners[id(weight)]
            argument = f"set_weights of layer '{owner}': weight {index}"
            array = host_array(tape.unwrap(value) if isinstance(value, tape.Tensor) else value, argument)
            if array.shape != tuple(weight.shape):
                raise ValueError(f"{argument} has shape {array.shape}; expected {tuple(weight.shape)}")
            check_finite_as(array, weight.dtype, argument)
            values.append(array)
        return values

    def write_checked_weights(self, values: list) -> None:
        """Copy arrays that :meth:`check_weights` returned into the weights."""
        for value, weight in zip(values, self.weights):
            weight.assign(backend.to_device(value, weight.dtype))
