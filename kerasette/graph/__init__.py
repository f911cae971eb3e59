"""The Functional API's graph: symbolic tensors, one Node per call, and the order to run them.

``keras.Input`` returns a :class:`KerasTensor`; calling a layer (``Layer.__call__``
dispatches here) or a ``kerasette.ops`` function on KerasTensors records a :class:`Node`
and returns new KerasTensors; :func:`map_graph` orders the nodes between inputs and
outputs for a ``Functional`` model to run.
"""

from kerasette.graph.keras_tensor import KerasHistory, KerasTensor, any_symbolic, is_symbolic
from kerasette.graph.node import Node, inbound_nodes
from kerasette.graph.structure import flatten, map_structure, pack_as, unpack_singleton
from kerasette.graph.symbolic import Operation, records_symbolic_calls, shapes_compatible, symbolic_call, symbolic_op
from kerasette.graph.traversal import map_graph

__all__ = [
    "KerasHistory",
    "KerasTensor",
    "Node",
    "Operation",
    "any_symbolic",
    "flatten",
    "inbound_nodes",
    "is_symbolic",
    "map_graph",
    "map_structure",
    "pack_as",
    "records_symbolic_calls",
    "shapes_compatible",
    "symbolic_call",
    "symbolic_op",
    "unpack_singleton",
]
