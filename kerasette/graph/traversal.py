"""Ordering a graph's nodes: which calls lie between the inputs and the outputs, and in
what order to run them (Keras 3's ``map_graph`` in ``ops/function.py``).

A node's depth is its distance from the outputs (an output's node has depth 0, its
parents 1, ...); running nodes by decreasing depth runs every node after its parents.
Operations (layers and ops) are listed in the same order, each at the depth of its
deepest call, ties in the order a depth-first walk from the outputs first meets them:
that is Keras's ``model.layers`` order.
"""

from __future__ import annotations

from kerasette.graph.keras_tensor import KerasTensor
from kerasette.graph.node import Node, inbound_nodes


def _node_of(tensor: KerasTensor) -> Node:
    operation, node_index, _ = tensor.keras_history
    return inbound_nodes(operation)[node_index]


def _walk(inputs: list, outputs: list) -> tuple[list[Node], dict]:
    """Nodes from the inputs to the outputs (depth first), and each operation's first-seen rank."""
    input_ids = {id(tensor) for tensor in inputs}
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list[Node] = []
    ranks: dict[int, int] = {}

    def visit(tensor: KerasTensor) -> None:
        if tensor.keras_history is None:
            raise ValueError(f"{tensor!r} was not made by keras.Input or by a layer call; it has no graph history")
        node = _node_of(tensor)
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"{tensor!r} from operation '{node.operation.name}' is part of a cycle")
        ranks.setdefault(id(node.operation), len(ranks))
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for parent in node.input_tensors:
                visit(parent)
        in_progress.discard(id(node))
        finished.add(id(node))
        ordered.append(node)

    for tensor in outputs:
        visit(tensor)
    return ordered, ranks


def map_graph(inputs: list, outputs: list) -> tuple[list[Node], list]:
    """The nodes between ``inputs`` and ``outputs`` in running order (the input nodes
    first), and the operations in Keras's order.

    Raises:
        ValueError: An output needs a tensor that none of ``inputs`` leads to ("graph
            disconnected"), an input leads to no output, or two operations share a name.
    """
    ordered, ranks = _walk(inputs, outputs)
    node_depth: dict[int, int] = {}
    operation_depth: dict[int, int] = {}
    operations: dict[int, object] = {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(id(node), 0), operation_depth.get(id(node.operation), 0))
        node_depth[id(node)] = operation_depth[id(node.operation)] = depth
        operations[id(node.operation)] = node.operation
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    reached = {id(node.operation) for node in ordered}
    for tensor in inputs:
        if id(tensor.keras_history.operation) not in reached:
            raise ValueError(
                f"input {tensor!r} is not connected to any output; received outputs "
                f"{[output.name for output in outputs]}. Every input of a model must be used to compute an output."
            )
    by_id = {id(node): node for node in ordered}
    running_order = [by_id[key] for key in sorted(by_id, key=lambda key: -node_depth[key])]
    computable = {id(tensor) for tensor in inputs}
    accessed: list[str] = []
    for node in running_order:
        if node.is_input:
            for tensor in node.outputs:
                if id(tensor) not in computable:
                    raise ValueError(
                        f"Graph disconnected: the outputs need {tensor!r}, which is not among the model's inputs "
                        f"{[tensor.name for tensor in inputs]}; pass it in inputs=[...] too"
                    )
            continue
        for tensor in node.input_tensors:
            if id(tensor) not in computable:
                raise ValueError(
                    f"Graph disconnected: cannot find parent for tensor {tensor!r} at operation "
                    f"'{node.operation.name}'. Expected it to come from the inputs "
                    f"{[tensor.name for tensor in inputs]}; the previous operations were accessed without issue: "
                    f"{accessed}"
                )
        accessed.append(node.operation.name)
        computable.update(id(tensor) for tensor in node.outputs)
    ordered_operations = sorted(operations.values(), key=lambda op: (-operation_depth[id(op)], ranks[id(op)]))
    names = [operation.name for operation in ordered_operations]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(
                f"the name '{name}' is used {names.count(name)} times in the model; every layer name in a "
                "model must be unique (give the layers distinct name= arguments)"
            )
    return running_order, ordered_operations
