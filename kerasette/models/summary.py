"""``model.summary()``: Keras 3's table of layers, drawn as its box (``rich``'s heavy-head
table) without needing rich, and the parameter counts with their sizes.

Columns follow Keras 3's ``utils/summary_utils.py``: a model that is a chain of calls
gets "Layer (type)", "Output Shape", "Param #" over 88 characters; any other Functional
model adds "Connected to" (``layer[node][tensor]``) over 108; ``show_trainable`` adds a
"Trainable" column. The widths are rich's: each column's share of ``line_length`` from
``positions``, padded by one space each side, then narrowed evenly until the borders fit.
"""

from __future__ import annotations

import math
import re
import shutil
import textwrap

from kerasette import backend
from kerasette.backend import config
from kerasette.graph import Operation, inbound_nodes


def _format_shape(shape) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ")"


def _layer_shape(layer, node_ids: set | None) -> str:
    """The output shape of the layer's last call in the model, as Keras writes it."""
    outputs = [node.outputs for node in inbound_nodes(layer) if node_ids is None or id(node) in node_ids]
    if outputs and outputs[-1]:
        shapes = [_format_shape(tensor.shape) for tensor in outputs[-1]]
        return shapes[0] if len(shapes) == 1 else str(shapes).replace("'", "")
    if getattr(layer, "built", False) and getattr(layer, "output_shape", None) is not None:
        shape = layer.output_shape
        if isinstance(shape, list):
            return str([_format_shape(item) for item in shape]).replace("'", "")
        return _format_shape(shape)
    return "?"


def _connections(operation, node_ids: set) -> str:
    found = []
    for node in inbound_nodes(operation):
        if id(node) in node_ids:
            for tensor in node.input_tensors:
                source, node_index, tensor_index = tensor.keras_history
                found.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(found) or "-"


def _is_chain(model) -> bool:
    """Keras's "sequential-like": one call per depth, each reading at most one tensor, no layer called twice."""
    if not hasattr(model, "_nodes"):
        return True
    nodes = model._nodes
    read = [id(tensor) for node in nodes for tensor in node.input_tensors]
    operations = [id(node.operation) for node in nodes]
    return (
        len(model.inputs) == 1
        and all(len(node.input_tensors) <= 1 for node in nodes)
        and len(read) == len(set(read))
        and len(operations) == len(set(operations))
    )


def memory_size(weights) -> int:
    """Bytes held by ``weights`` (each counted once), by their dtypes."""
    unique = {id(weight): weight for weight in weights}.values()
    return sum(math.prod(weight.shape) * backend.xp.dtype(weight.dtype).itemsize for weight in unique)


def readable_size(size: float) -> str:
    """``2.55 MB``: Keras's size in units of 1024."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _column_widths(line_length: int, positions) -> list[int]:
    """Content widths of the columns: Keras's shares of the line, then rich's even narrowing."""
    relative = all(position <= 1 for position in positions)
    ends = [int(position * line_length) if relative else int(position) for position in positions]
    widths = [end - start for start, end in zip([0, *ends], ends)]
    if min(widths) < 4:
        raise ValueError(
            f"line_length={line_length} with positions={list(positions)} leaves a column narrower than 4 characters; "
            "expected a longer line_length"
        )
    padded = [width + 2 for width in widths]
    excess = sum(padded) - (line_length - len(widths) - 1)  # the borders take len(widths) + 1
    count = len(padded)
    for index in range(len(padded)):  # rich's ratio_reduce with equal ratios
        if excess <= 0:
            break
        taken = min(padded[index], round(excess / (count - index)))
        padded[index] -= taken
        excess -= taken
    return [width - 2 for width in padded]


def _wrap(text: str, width: int) -> list[str]:
    # Words longer than a column are cut with an ellipsis, as rich's default overflow.
    words = [word if len(word) <= width else word[: width - 1] + "…" for word in text.split(" ")]
    return textwrap.wrap(" ".join(words), width, break_long_words=False, break_on_hyphens=False) or [""]


def _align(text: str, width: int, how: str) -> str:
    if how == "right":
        return text.rjust(width)
    if how == "center":
        left = (width - len(text)) // 2
        return " " * left + text + " " * (width - len(text) - left)
    return text.ljust(width)


def _table(header: list[str], rows: list[list[str]], widths: list[int], alignment: list[str]) -> list[str]:
    def rule(left, fill, middle, right):
        return left + middle.join(fill * (width + 2) for width in widths) + right

    def cells(row, bar):
        wrapped = [_wrap(cell, width) for cell, width in zip(row, widths)]
        height = max(len(lines) for lines in wrapped)
        return [
            bar
            + bar.join(
                f" {_align(lines[index] if index < len(lines) else '', width, how)} "
                for lines, width, how in zip(wrapped, widths, alignment)
            )
            + bar
            for index in range(height)
        ]

    lines = [rule("┏", "━", "┳", "┓"), *cells(header, "┃"), rule("┡", "━", "╇", "┩")]
    for index, row in enumerate(rows):
        if index:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += cells(row, "│")
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _layer_range(layers: list, layer_range) -> list:
    if layer_range is None:
        return layers
    if (
        not isinstance(layer_range, (list, tuple))
        or len(layer_range) != 2
        or not all(isinstance(name, str) for name in layer_range)
    ):
        raise ValueError(f"layer_range: expected two layer names (or patterns); received {layer_range!r}")
    first = [index for index, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    last = [index for index, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not first or not last:
        raise ValueError(
            f"layer_range: {layer_range!r} matches no layer name; the layers are {[layer.name for layer in layers]}"
        )
    return layers[first[0] : last[-1] + 1]


def summary_lines(
    model, line_length=None, positions=None, expand_nested=False, show_trainable=False, layer_range=None
) -> list[str]:
    """The lines of ``model.summary()`` with these arguments (see :func:`print_summary`)."""
    chain = _is_chain(model)
    functional = hasattr(model, "_nodes")
    node_ids = model._node_ids if functional else None
    layers = list(model.operations) if functional else list(model.layers)
    header, alignment = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    default_length, default_positions = (88, [0.45, 0.80, 1.0]) if chain else (108, [0.3, 0.56, 0.74, 1.0])
    if not chain:
        header.append("Connected to")
        alignment.append("left")
    positions = list(positions) if positions is not None else default_positions
    if show_trainable:
        default_length += 12
        positions = [position * 0.90 for position in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    if len(positions) != len(header):
        raise ValueError(f"positions: expected {len(header)} positions, one per column; received {positions!r}")

    def fields(layer, prefix: str, ids) -> list[str]:
        if isinstance(layer, Operation):
            kind, params = layer.function.__name__, "0"
        else:
            kind = type(layer).__name__
            # A layer called in the graph counts as built, as Keras builds it on that call.
            called = ids is not None and any(id(node) in ids for node in inbound_nodes(layer))
            params = f"{layer.count_params():,}" if layer.built or called else "0 (unbuilt)"
        row = [f"{prefix}{layer.name} ({kind})", _layer_shape(layer, ids), params]
        if not chain:
            row.append(_connections(layer, ids))
        if show_trainable:
            has_weights = not isinstance(layer, Operation) and layer.weights
            row.append(("Y" if layer.trainable else "N") if has_weights else "-")
        return row

    def rows_of(layer, level: int) -> list[list[str]]:
        # Nested layers are shown with the outer model's calls, as Keras does: "-" connections.
        rows = [fields(layer, "   " * level + "└ " if level else "", node_ids)]
        inner = getattr(layer, "layers", None) if expand_nested and not isinstance(layer, Operation) else None
        for sublayer in inner or []:
            rows += rows_of(sublayer, level + 1)
        return rows

    rows = [row for layer in _layer_range(layers, layer_range) for row in rows_of(layer, 0)]
    table = _table(header, rows, _column_widths(line_length, positions), alignment)
    optimizer = getattr(model, "optimizer", None)
    groups = [("Trainable", model.trainable_weights), ("Non-trainable", model.non_trainable_weights)]
    if optimizer is not None and optimizer.built:  # Keras counts the optimizer's variables once it has them
        groups.append(("Optimizer", optimizer.variables))
    counts = [
        (label, sum(math.prod(weight.shape) for weight in weights), memory_size(weights)) for label, weights in groups
    ]
    counts.insert(0, ("Total", sum(count for _, count, _ in counts), sum(size for _, _, size in counts)))
    totals = [f" {label} params: {count:,} ({readable_size(size)})" for label, count, size in counts]
    return [f'Model: "{model.name}"', *table, *totals]


def print_summary(
    model, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False, layer_range=None
) -> None:
    """Print Keras 3's summary of ``model``, a line at a time.

    Args:
        line_length: Width of the table; by default 88 (108 with "Connected to"), at most
            the terminal's width less 4.
        positions: Where each column ends, as fractions of ``line_length`` (or absolute
            character positions when above 1).
        print_fn: Called with each line (Keras 3's documented behaviour); ``print`` by default.
        expand_nested: Show the layers of nested models, indented under them.
        show_trainable: Add a column: Y (trainable), N (frozen), - (no weights).
        layer_range: Two layer names (or regular expressions): the first and last layer shown.
    """
    lines = summary_lines(model, line_length, positions, expand_nested, show_trainable, layer_range)
    if print_fn is None:
        print_fn = print if config.is_interactive_logging_enabled() else config.print_msg
    for line in lines:
        print_fn(line)
