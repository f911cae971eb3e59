"""``summary()`` of a Functional model: Keras's table with its "Connected to" column.

Each row is a layer (or op) of the model; "Connected to" lists, for each of its calls in
the model, the tensors it read as ``layer[node index][tensor index]`` (Keras 3's
``utils/summary_utils.py``), one per line.
"""

from __future__ import annotations

from kerasette.graph import Operation, inbound_nodes


def _connections(operation, node_ids: set) -> list[str]:
    found = []
    for node in inbound_nodes(operation):
        if id(node) not in node_ids:
            continue
        for tensor in node.input_tensors:
            source, node_index, tensor_index = tensor.keras_history
            found.append(f"{source.name}[{node_index}][{tensor_index}]")
    return found or ["-"]


def _output_shape(operation, node_ids: set) -> str:
    shapes = [tensor.shape for node in inbound_nodes(operation) if id(node) in node_ids for tensor in node.outputs] or [
        getattr(operation, "output_shape", "?")
    ]
    return str(shapes[-1]) if len(shapes) == 1 or len(set(shapes)) == 1 else str(shapes).replace("'", "")


def print_functional_summary(model, print_fn) -> None:
    node_ids = model._node_ids
    rows = []
    for operation in model.operations:
        kind = operation.function.__name__ if isinstance(operation, Operation) else type(operation).__name__
        params = 0 if isinstance(operation, Operation) else operation.count_params()
        rows.append(
            (
                f" {operation.name} ({kind})",
                _output_shape(operation, node_ids),
                f"{params:,}",
                _connections(operation, node_ids),
            )
        )
    widths = (
        max([33, *(len(row[0]) + 1 for row in rows)]),
        max([26, *(len(row[1]) + 1 for row in rows)]),
        12,
        max([30, *(len(entry) + 1 for row in rows for entry in row[3])]),
    )
    rule = "_" * sum(widths)

    def line(*cells):
        return "".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

    print_fn(f'Model: "{model.name}"')
    print_fn(rule)
    print_fn(line(" Layer (type)", "Output Shape", "Param #", "Connected to"))
    print_fn("=" * sum(widths))
    for index, (name, shape, params, connections) in enumerate(rows):
        print_fn(line(name, shape, params, connections[0]))
        for connection in connections[1:]:
            print_fn(line("", "", "", connection))
        if index < len(rows) - 1:
            print_fn("")
    print_fn("=" * sum(widths))
    total = sum(int(weight.size) for weight in model.weights)
    trainable = sum(int(weight.size) for weight in model.trainable_weights)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn(rule)
