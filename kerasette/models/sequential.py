"""Sequential: a linear stack of layers, a chain of calls on the one engine.

Training comes from :class:`~kerasette.trainers.Trainer` (compile, fit, evaluate,
predict) through :class:`~kerasette.models.Model`; files from :mod:`kerasette.saving`.
A ``Sequential`` is also a layer, so a model can sit inside another.
"""

from __future__ import annotations

import copy

from kerasette import layers as layers_module
from kerasette.graph import KerasTensor, masks
from kerasette.layers import InputLayer, Layer
from kerasette.models.model import Model
from kerasette.registry import register_builtins, serialize


def _known_input_shape(layer: Layer) -> tuple | None:
    """The per-sample input shape a layer declares or was built with, if any."""
    if layer.declared_input_shape is not None:
        return layer.declared_input_shape
    return tuple(layer.input_shape[1:]) if layer.built else None


class _BuiltShape:
    """``input_shape`` / ``output_shape`` of a Sequential: ``(None, ...)`` once built; before
    that AttributeError, as in Keras. Setting one (building, add, pop) drops the symbolic graph."""

    def __init__(self, key: str, what: str):
        self.key, self.what = key, what

    def __get__(self, model, owner=None):
        return self if model is None else model._built_value(self.key, self.what)

    def __set__(self, model, value) -> None:
        model.__dict__[self.key] = value
        model.__dict__.pop("_symbolic", None)


class Sequential(Model):
    """A linear stack of layers; also usable as a layer inside another ``Sequential``.

    Args:
        layers: Layers to add in order.
        name: Model name.

    Example:
    >>> from kerasette import layers, utils
    >>> utils.set_random_seed(0)
    >>> model = Sequential([layers.Dense(4, activation='relu', input_shape=(3,)),
    ...                     layers.Dense(2, activation='softmax')])
    >>> model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    >>> history = model.fit(np.ones((8, 3)), np.zeros(8), epochs=2, verbose=0)
    >>> sorted(history.history)
    ['accuracy', 'loss']
    >>> model.predict(np.ones((1, 3)), verbose=0).shape
    (1, 2)
    """

    def __init__(self, layers: list | None = None, name: str | None = None, trainable: bool = True):
        self._layers: list[Layer] = []
        Model.__init__(self, name=name, trainable=trainable)
        for layer in layers or []:
            self.add(layer)

    # -- Keras's view of a built model: shapes and symbolic inputs/outputs -------------------
    def _built_value(self, key: str, what: str):
        value = self.__dict__.get(key)
        if value is None:  # as Keras: an unbuilt Sequential has no such attribute
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet.")
        return value

    input_shape = _BuiltShape("_input_shape", "input shape")
    output_shape = _BuiltShape("_output_shape", "output shape")

    def _symbolic_graph(self) -> tuple[list, list]:
        """The model's layers called once on symbolic inputs (its ``keras.Input``'s tensor
        where it has one), as Keras 3 keeps a Functional graph inside a built Sequential;
        made at first use and again after ``add`` or ``pop``."""
        if "_symbolic" not in self.__dict__:
            self._built_value("_input_shape", "inputs")
            first = self._layers[0]
            tensor = first.output if isinstance(first, InputLayer) else layers_module.Input(self.input_shape[1:])
            self.__dict__["_symbolic"] = ([tensor], [self.call(tensor)])
        return self.__dict__["_symbolic"]

    @property
    def inputs(self) -> list:
        """The symbolic input tensors of a built model (``keras.Model(model.inputs, ...)``)."""
        return self._symbolic_graph()[0]

    @property
    def outputs(self) -> list:
        """The symbolic output tensors of a built model."""
        return self._symbolic_graph()[1]

    # -- structure ----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the InputLayer (as in Keras)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def add(self, layer: Layer) -> None:
        """Append a layer; the model builds as soon as the input shape is known."""
        if isinstance(layer, KerasTensor):  # keras.Input(...): its InputLayer, as in Keras 3
            layer = layer.keras_history.operation
        if not isinstance(layer, Layer):
            raise TypeError(f"add: expected a kerasette layer; received {layer!r} of type {type(layer).__name__}")
        if layer is self or any(existing is layer for existing in self._layers):
            raise ValueError(f"add: layer '{layer.name}' is already in model '{self.name}'")
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError("add: an InputLayer must come first in a Sequential model")
        names = {existing.name for existing in self._layers}
        if layer.name in names:
            raise ValueError(
                f"add: model '{self.name}' already has a layer named '{layer.name}'; layer names must be unique"
            )
        self._layers.append(layer)
        try:
            if self.built:
                self._build_layer(layer, self.output_shape)
                self.output_shape = layer.output_shape
            elif self.layers and _known_input_shape(self._layers[0]) is not None:
                self.build((None,) + _known_input_shape(self._layers[0]))
        except Exception:
            self._layers.pop()  # a layer that does not fit leaves the model as it was
            raise
        self.invalidate_training_plan()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError(f"pop: model '{self.name}' has no layers to remove")
        layer = self._layers.pop()
        if self.built:
            self.output_shape = self._layers[-1].output_shape if self._layers else self.input_shape
        self.invalidate_training_plan()
        return layer

    @staticmethod
    def _build_layer(layer: Layer, input_shape: tuple) -> None:
        if not layer.built:
            layer.build(input_shape)
        elif tuple(layer.input_shape[1:]) != tuple(input_shape[1:]):
            raise ValueError(
                f"layer '{layer.name}' was built for inputs of shape {layer.input_shape} but receives {input_shape}"
            )

    def build(self, input_shape) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first)."""
        if not self.layers:
            raise ValueError(f"model '{self.name}' has no layers; add layers before building or training it")
        shape = (None,) + tuple(input_shape[1:])
        self.input_shape = shape
        for layer in self._layers:
            self._build_layer(layer, shape)
            shape = layer.output_shape
        self.output_shape = shape
        self.built = True

    @property
    def takes_host_inputs(self) -> bool:
        """Whether inputs reach the first layer as given (strings, for a text layer first)."""
        return bool(self._layers) and self._layers[0].takes_host_inputs

    def input_shape_for(self, data_shape: tuple) -> tuple:
        """The model's input shape, or the one data of ``data_shape`` would build it with."""
        if self.built:
            return self.input_shape
        if self._layers and _known_input_shape(self._layers[0]) is not None:
            return (None,) + _known_input_shape(self._layers[0])
        return (None,) + tuple(data_shape[1:])

    def ensure_built(self, data_shape: tuple) -> None:
        """Build the model for data of ``data_shape`` unless it is built already."""
        if not self.built:
            self.build(self.input_shape_for(data_shape))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for inputs of ``input_shape``, without building anything."""
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.output_shape if layer.built else layer.compute_output_shape(shape)
        return shape

    @property
    def ends_in_softmax(self) -> bool:
        return bool(self.layers) and self.layers[-1].ends_in_softmax

    @property
    def sublayers(self) -> list[Layer]:
        return list(self._layers)

    # -- computation ----------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        # As Keras 3: a mask (given, or carried by the inputs) goes to each layer whose call
        # takes one, and each layer's output mask on to the next.
        # The InputLayer is left out, as Keras 3's Sequential.call runs ``self.layers``: it
        # would pass the inputs on unchanged, at the cost of a layer call each step.
        layers = self._layers[1:] if self._layers and isinstance(self._layers[0], InputLayer) else self._layers
        for layer in layers:
            if mask is not None and "mask" in type(layer).call_parameter_names:
                inputs = layer(inputs, training=training, mask=mask)
            else:
                inputs = layer(inputs, training=training)
            mask = masks.get_keras_mask(inputs) if masks.any_masks() else None
        return inputs

    # -- configuration and files ---------------------------------------------------------
    def get_config(self) -> dict:
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialize(layer) for layer in self._layers],
        }
        if self.built:
            config["build_input_shape"] = list(self.input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        config = copy.deepcopy(config)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config.get("layers", []):
            model.add(layers_module.deserialize(entry, custom_objects))
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model


register_builtins("layer", {"Sequential": Sequential})
