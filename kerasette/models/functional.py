"""Functional: a model that is a graph of layer calls, from ``keras.Input`` tensors to outputs.

Built as in Keras, by calling layers on symbolic tensors and then ``Model(inputs,
outputs)``; it runs by calling each node's layer (or op) in the order of
:func:`kerasette.graph.map_graph`, on arrays, or on tape tensors inside a recording.
Its config is Keras 3's: each layer with its ``inbound_nodes``, and ``input_layers`` /
``output_layers`` naming ``[layer, node index, tensor index]``.
"""

from __future__ import annotations

from kerasette import backend, graph
from kerasette.graph import KerasTensor, Operation
from kerasette.graph.structure import flatten, pack_as, unpack_singleton
from kerasette.layers import InputLayer, Layer
from kerasette.models import functional_config
from kerasette.models.model import Model
from kerasette.ops import tape
from kerasette.preprocessing import text
from kerasette.registry import register_builtins


def _describe_inputs(structure) -> str:
    return repr(graph.map_structure(lambda tensor: tensor.name, structure))


class Functional(Model):
    """A model defined by a graph of layer calls (``keras.Model(inputs, outputs)``).

    Args:
        inputs: The ``keras.Input`` tensor(s): one, a list or a dict.
        outputs: The output tensor(s), computed from ``inputs`` by layer calls: one, a list or a dict.
        name: Model name.
        trainable: False freezes every layer of the model; None leaves the layers as they are.

    Example:
    >>> import kerasette as keras
    >>> from kerasette import layers
    >>> inputs = keras.Input(shape=(3,), name='features')
    >>> hidden = layers.Dense(4, activation='relu', name='hidden')(inputs)
    >>> outputs = layers.Dense(2, name='scores')(layers.concatenate([inputs, hidden], name='joined'))
    >>> model = keras.Model(inputs, outputs, name='doc')
    >>> [layer.name for layer in model.layers]
    ['features', 'hidden', 'joined', 'scores']
    >>> model(np.ones((5, 3))).shape
    (5, 2)
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool | None = None):
        for argument, structure in (("inputs", inputs), ("outputs", outputs)):
            flat = flatten(structure)
            if not flat:
                raise ValueError(f"{argument}: expected at least one KerasTensor; received {structure!r}")
            for value in flat:
                if not isinstance(value, KerasTensor):
                    raise TypeError(
                        f"{argument}: every value must be a KerasTensor (from keras.Input or a layer call); "
                        f"received {value!r} of type {type(value).__name__}"
                    )
        for tensor in flatten(inputs):
            operation = tensor.keras_history.operation
            if not isinstance(operation, InputLayer):
                raise ValueError(
                    f"inputs: {tensor!r} is the output of layer '{operation.name}'; expected tensors made by "
                    "keras.Input (a model built from intermediate tensors is not supported yet)"
                )
        nodes, operations = graph.map_graph(flatten(inputs), flatten(outputs))
        self._inputs_struct = _copy_structure(inputs)
        self._outputs_struct = _copy_structure(outputs)
        self._inputs, self._outputs = flatten(inputs), flatten(outputs)
        self._nodes = [node for node in nodes if not node.is_input]
        self._node_ids = {id(node) for node in nodes}
        # The last node that reads each tensor: its value is dropped after that node runs.
        self._last_reader = {
            id(tensor): index for index, node in enumerate(self._nodes) for tensor in node.input_tensors
        }
        super().__init__(name=name)
        # Set after the base initializer, whose trainable=True must not unfreeze frozen layers.
        self._operations = operations
        if trainable is not None:
            self.trainable = trainable
        self.built = True
        self.input_shape = unpack_singleton([tensor.shape for tensor in self._inputs])
        self.output_shape = unpack_singleton([tensor.shape for tensor in self._outputs])
        self.output_names = [tensor.keras_history.operation.name for tensor in self._outputs]

    # -- structure ------------------------------------------------------------------------
    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._outputs)

    @property
    def input(self):
        """The inputs as given to the constructor (a tensor, a list or a dict)."""
        return self._inputs_struct

    @property
    def output(self):
        """The outputs as given to the constructor (a tensor, a list or a dict)."""
        return self._outputs_struct

    @property
    def operations(self) -> list:
        """The layers and ops of the graph, in Keras's order."""
        return list(self._operations)

    @property
    def layers(self) -> list[Layer]:
        """The layers of the graph (InputLayers first among them), in Keras's order; shared layers once."""
        return [operation for operation in self._operations if not isinstance(operation, Operation)]

    @property
    def sublayers(self) -> list[Layer]:
        return [layer for layer in self.layers if not isinstance(layer, InputLayer)]

    @property
    def takes_host_inputs(self) -> bool:
        """Whether an input is text (dtype 'string'), handed to the model's layers as given."""
        return any(tensor.dtype == "string" for tensor in self._inputs)

    # -- running ------------------------------------------------------------------------------
    def call(self, inputs, training=None):
        """Run the graph on ``inputs`` (arrays, or tape tensors), in the structure of :attr:`input`."""
        values = {id(tensor): value for tensor, value in zip(self._inputs, self._standardize_inputs(inputs))}
        keep = {id(tensor) for tensor in self._outputs}
        for index, node in enumerate(self._nodes):
            args, kwargs = node.fill_in(values)
            if isinstance(node.operation, Layer):
                kwargs = {"training": training, **kwargs}
            results = flatten(node.operation(*args, **kwargs))
            for tensor, value in zip(node.outputs, results):
                values[id(tensor)] = value
            for tensor in node.input_tensors:
                if self._last_reader[id(tensor)] == index and id(tensor) not in keep:
                    values.pop(id(tensor), None)
        # As Keras 3: outputs given as a list or tuple of one tensor come out as that tensor.
        return unpack_singleton(pack_as(self._outputs_struct, [values[id(tensor)] for tensor in self._outputs]))

    def _standardize_inputs(self, inputs) -> list:
        """``inputs`` flattened in the order of :attr:`inputs`, each checked and on the device."""
        structure = self._inputs_struct
        names = [tensor.name for tensor in self._inputs]
        if isinstance(inputs, dict) and not isinstance(structure, dict):
            missing = [name for name in names if name not in inputs]
            if missing:
                raise ValueError(
                    f"model '{self.name}': inputs given as a dict must name every input; missing {missing}; "
                    f"received keys {sorted(inputs)}, expected {names}"
                )
            flat = [inputs[name] for name in names]
        elif isinstance(structure, dict):
            if not isinstance(inputs, dict) or set(structure) - set(inputs):
                received = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
                raise ValueError(
                    f"model '{self.name}': expected a dict of inputs with keys {sorted(structure)}; received {received}"
                )
            flat = flatten({key: inputs[key] for key in structure})
        elif isinstance(structure, (list, tuple)):
            if not isinstance(inputs, (list, tuple)) or len(inputs) != len(self._inputs):
                if len(self._inputs) == 1 and not isinstance(inputs, (list, tuple)):
                    inputs = [inputs]
                else:
                    count = len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__
                    raise ValueError(
                        f"model '{self.name}': expected a list of {len(self._inputs)} inputs {names}; received {count}"
                    )
            flat = list(inputs)
        else:
            flat = [inputs[0]] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else [inputs]
        checked = []
        for tensor, value in zip(self._inputs, flat):
            if tensor.dtype == "string":  # text stays on the host, for the text layer reading it
                value = text.as_batch(value) if isinstance(value, (list, tuple)) else value
            elif not isinstance(value, tape.Tensor):
                value = backend.to_device(value, tensor.dtype)
            shape = tuple(value.shape)
            if not graph.shapes_compatible(tensor.shape, shape):
                raise ValueError(
                    f"model '{self.name}': input '{tensor.name}' expects shape {tensor.shape}; received an array "
                    f"of shape {shape}"
                )
            checked.append(value)
        return checked

    def compute_output_shape(self, input_shape):
        if not graph.shapes_compatible(self.input_shape, input_shape):
            raise ValueError(
                f"model '{self.name}' takes inputs of shape {self.input_shape}; received shape {input_shape}"
            )
        return unpack_singleton(pack_as(self._outputs_struct, [tensor.shape for tensor in self._outputs]))

    # -- configuration --------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras 3's config: each layer with its ``inbound_nodes``, and ``input_layers``/``output_layers``."""
        return functional_config.functional_config(self)


def _copy_structure(structure):
    return graph.map_structure(lambda value: value, structure)


register_builtins("layer", {"Functional": Functional})
