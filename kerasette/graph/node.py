"""Node: one call of a layer or op on KerasTensors, the edge list of the graph.

A layer called three times has three nodes (``inbound_nodes(layer)``), each with its
own arguments and outputs: its weights are shared, its calls are not. The graph is
walked from the outputs back through ``keras_history`` (Keras 3's ``ops/node.py``).
"""

from __future__ import annotations

from kerasette.graph.keras_tensor import KerasHistory, KerasTensor
from kerasette.graph.structure import flatten, map_structure, unpack_singleton


def inbound_nodes(operation) -> list:
    """The nodes of ``operation`` (a layer or an op), in the order of its calls."""
    return operation.__dict__.setdefault("_inbound_nodes", [])


class Node:
    """One call of ``operation``: its arguments (with the KerasTensors in them) and its outputs.

    Args:
        operation: The layer or op that was called.
        call_args: The positional arguments of the call.
        call_kwargs: The keyword arguments of the call.
        outputs: The KerasTensors the call returned (a tensor or a structure of them).
    """

    def __init__(self, operation, call_args: tuple = (), call_kwargs: dict | None = None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.output_structure = outputs
        self.outputs = [] if outputs is None else flatten(outputs)
        self.input_tensors = [
            value for value in flatten([list(self.call_args), self.call_kwargs]) if isinstance(value, KerasTensor)
        ]
        nodes = inbound_nodes(operation)
        self.index = len(nodes)
        nodes.append(self)
        for position, tensor in enumerate(self.outputs):
            tensor.keras_history = KerasHistory(operation, self.index, position)
        if self.index == 0:
            # Keras 3's ``layer.input`` / ``layer.output``: those of the first call.
            # An InputLayer's input is its output, as in Keras.
            operation.__dict__.setdefault("input", unpack_singleton(self.input_tensors or self.outputs))
            operation.__dict__.setdefault("output", unpack_singleton(self.outputs))

    @property
    def is_input(self) -> bool:
        """Whether this node starts the graph (an ``InputLayer``'s, with no tensor arguments)."""
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list[Node]:
        """The nodes whose outputs this node reads."""
        return [
            inbound_nodes(tensor.keras_history.operation)[tensor.keras_history.node_index]
            for tensor in self.input_tensors
            if tensor.keras_history is not None
        ]

    def fill_in(self, values: dict) -> tuple[tuple, dict]:
        """The call's arguments with each KerasTensor replaced by ``values[id(tensor)]``."""

        def value_of(item):
            return values[id(item)] if isinstance(item, KerasTensor) else item

        return map_structure(value_of, self.call_args), map_structure(value_of, self.call_kwargs)

    def __repr__(self) -> str:
        return f"<Node {getattr(self.operation, 'name', self.operation)!r} #{self.index}>"
