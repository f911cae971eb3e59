"""Sequential: a linear stack of layers, its structure and its weights.

Training comes from :class:`~kerasette.trainers.Trainer` (compile, fit, evaluate,
predict); files from :mod:`kerasette.saving`. A ``Sequential`` is also a layer, so a model
can sit inside another.
"""

from __future__ import annotations

import copy

from kerasette import layers as layers_module
from kerasette import saving
from kerasette.graph import KerasTensor
from kerasette.layers import InputLayer, Layer
from kerasette.registry import register_builtins, serialize
from kerasette.trainers import Trainer
from kerasette.validation import check_bool


def _known_input_shape(layer: Layer) -> tuple | None:
    """The per-sample input shape a layer declares or was built with, if any."""
    if layer.declared_input_shape is not None:
        return layer.declared_input_shape
    return tuple(layer.input_shape[1:]) if layer.built else None


class Sequential(Trainer, Layer):
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
        Trainer.__init__(self)
        Layer.__init__(self, name=name, trainable=trainable)
        for layer in layers or []:
            self.add(layer)

    # -- structure ----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the InputLayer (as in Keras)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # As in Keras, freezing a model freezes every layer in it.
        self._trainable = check_bool("trainable", value)
        for layer in getattr(self, "_layers", []):
            layer.trainable = self._trainable

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

    # -- weights ------------------------------------------------------------------------
    @property
    def weights(self) -> list:
        return [weight for layer in self.leaf_layers() for weight in layer.weights]

    @property
    def trainable_weights(self) -> list:
        return [weight for layer in self.leaf_layers() for weight in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        return [weight for layer in self.leaf_layers() for weight in layer.non_trainable_weights]

    def set_weights(self, weights: list) -> None:
        """Overwrite all weights, in ``get_weights`` order; all are checked before any changes."""
        owners = [layer for layer in self.leaf_layers() if layer.weights]
        expected = sum(len(layer.weights) for layer in owners)
        if not isinstance(weights, (list, tuple)) or len(weights) != expected:
            received = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ValueError(
                f"set_weights: model '{self.name}' expects a list of {expected} arrays "
                f"({[tuple(w.shape) for w in self.weights]}); received {received}"
            )
        checked, start = [], 0
        for layer in owners:
            count = len(layer.weights)
            checked.append((layer, layer.check_weights(list(weights[start : start + count]))))
            start += count
        for layer, values in checked:
            layer.write_checked_weights(values)

    # -- forward and backward -------------------------------------------------------------
    def forward(self, inputs, training: bool = False):
        for layer in self._layers:
            inputs = layer.forward(inputs, training=training)
        return inputs

    def backward(self, grad_output, need_input_grad: bool = True, grad_is_logits: bool = False):
        """Back through every layer; training goes through its :class:`TrainingPlan` instead,
        which also skips the input gradients no trainable layer needs."""
        last = len(self._layers) - 1
        for index in range(last, -1, -1):
            grad_output = self._layers[index].backward(
                grad_output,
                need_input_grad=need_input_grad or index > 0,
                grad_is_logits=grad_is_logits and index == last,
            )
        return grad_output

    # -- inspection ---------------------------------------------------------------------
    def summary(self, print_fn=None) -> None:
        """Print a table of layers, output shapes and parameter counts, as Keras does.

        An unbuilt layer shows ``?`` for its output shape and ``0 (unbuilt)`` parameters,
        as in Keras 3.
        """
        print_fn = print_fn or print
        names = [f" {layer.name} ({type(layer).__name__})" for layer in self.layers]
        # Keras's widths, the first widened so that a long name (BatchNormalization) keeps its column.
        widths = (max([33, *(len(name) + 1 for name in names)]), 26, 12)
        rule = "_" * sum(widths)

        def row(*cells):
            return "".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

        print_fn(f'Model: "{self.name}"')
        print_fn(rule)
        print_fn(row(" Layer (type)", "Output Shape", "Param #"))
        print_fn("=" * sum(widths))
        for index, layer in enumerate(self.layers):
            shape, params = (layer.output_shape, f"{layer.count_params():,}") if layer.built else ("?", "0 (unbuilt)")
            print_fn(row(names[index], shape, params))
            if index < len(self.layers) - 1:
                print_fn("")
        print_fn("=" * sum(widths))
        trainable = sum(int(w.size) for w in self.trainable_weights)
        print_fn(f"Total params: {self.count_params():,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {self.count_params() - trainable:,}")
        print_fn(rule)

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

    def save(self, filepath, overwrite: bool = True) -> None:
        """Save architecture, weights and optimizer state (atomically): a Keras 3 ``.keras``
        archive, or HDF5 for ``.h5``; see :func:`kerasette.saving.save_model`."""
        saving.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the weights alone to a ``.weights.h5`` file in Keras 3's layout (atomically)."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath) -> None:
        """Load weights saved by :meth:`save_weights` (or by Keras for the same layers)."""
        saving.load_weights(self, filepath)


register_builtins("layer", {"Sequential": Sequential})
