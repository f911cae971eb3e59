"""``keras.utils.plot_model`` and ``model_to_dot``: a model's graph drawn by Graphviz.

Each layer is a box, labelled as Keras 3 labels it (the name and class in white on black,
then optional rows: activation, input and output shapes, dtype, trainable); arrows follow
the calls of a Functional model, or the chain of a Sequential. Needs pydot (the ``plot``
extra) and Graphviz's ``dot`` program.
"""

from __future__ import annotations

import os
import shutil

from kerasette.atomic_write import atomic_write
from kerasette.validation import check_bool, check_choice

RANKDIRS = ("TB", "LR", "BT", "RL")


def _pydot():
    try:
        import pydot
    except ImportError as error:
        raise ImportError('plot_model needs pydot: pip install "kerasette[plot]"') from error
    return pydot


def _is_model(layer) -> bool:
    return hasattr(layer, "_nodes") or hasattr(layer, "_layers")


def _shapes(layer, which: str) -> str:
    """``(None, 10)``: the shape of the layer's first call, or the one it was built with."""
    tensors = layer.__dict__.get(which)
    if tensors is not None:
        flat = tensors if isinstance(tensors, (list, tuple)) else [tensors]
        shapes = [tuple(tensor.shape) for tensor in flat]
        return str(shapes[0] if len(shapes) == 1 else shapes)
    shape = getattr(layer, f"{which}_shape", None) if getattr(layer, "built", False) else None
    return "?" if shape is None else str(shape)


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable) -> str:
    """Keras 3's HTML-like label of one box."""
    kind = getattr(layer, "function", None).__name__ if hasattr(layer, "function") else type(layer).__name__
    cells = []
    if show_shapes:
        if kind != "InputLayer":
            cells.append(
                f'<td bgcolor="white"><font point-size="14">Input shape: <b>{_shapes(layer, "input")}</b></font></td>'
            )
        cells.append(
            f'<td bgcolor="white"><font point-size="14">Output shape: <b>{_shapes(layer, "output")}</b></font></td>'
        )
    if show_dtype:
        dtype = getattr(layer, "dtype", None) or "float32"
        cells.append(f'<td bgcolor="white"><font point-size="14">Output dtype: <b>{dtype}</b></font></td>')
    if show_trainable and getattr(layer, "weights", None):
        colour, text = ("forestgreen", "Trainable") if layer.trainable else ("firebrick", "Non-trainable")
        cells.append(f'<td bgcolor="{colour}"><font point-size="14" color="white"><b>{text}</b></font></td>')
    span = max(1, 2 * show_shapes + show_dtype + show_trainable)
    title = f"<b>{layer.name}</b> ({kind})" if show_layer_names else f"<b>{kind}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">{title}</font></td></tr>']
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        name = getattr(activation, "name", getattr(activation, "__name__", str(activation)))
        rows.append(
            f'<tr><td bgcolor="white" colspan="{span}"><font point-size="14">Activation: <b>{name}</b></font></td></tr>'
        )
    if cells:
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' + "".join(rows) + "</table>>"


def _source_box(layer, tensor_index: int):
    """The box an arrow leaves: inside a nested model, the layer making that output."""
    while _is_model(layer):
        if hasattr(layer, "_nodes"):
            layer, _, tensor_index = layer.outputs[tensor_index].keras_history
        else:
            layer = layer.layers[-1]
    return layer


def _destination_box(layer, input_index: int):
    """The box an arrow enters: inside a nested model, its input layer (or first layer)."""
    while _is_model(layer):
        layer = layer.inputs[input_index].keras_history.operation if hasattr(layer, "_nodes") else layer.layers[0]
    return layer


def _add_edge(pydot, dot, source, destination) -> None:
    if not dot.get_edge(str(id(source)), str(id(destination))):
        dot.add_edge(pydot.Edge(str(id(source)), str(id(destination)), penwidth="2"))


def model_to_dot(
    model,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
):
    """The model as a ``pydot.Dot`` graph (a ``pydot.Cluster`` with ``subgraph=True``),
    as ``keras.utils.model_to_dot``; see :func:`plot_model` for the arguments."""
    pydot = _pydot()
    if not model.built:
        raise ValueError(f"model '{model.name}' is not built; build it or call it on data before plotting it")
    flags = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    if subgraph:
        dot = pydot.Cluster(model.name, style="dashed", label=model.name, labeljust="l")
    else:
        dot = pydot.Dot(rankdir=rankdir, concentrate=True, dpi=dpi, splines=splines)
        dot.set_node_defaults(shape="record")
    layers = model.operations if hasattr(model, "_nodes") else model.layers
    for layer in layers:
        if expand_nested and _is_model(layer):
            dot.add_subgraph(model_to_dot(layer, *flags[:3], rankdir, True, dpi, True, *flags[3:], splines))
        else:
            node = pydot.Node(str(id(layer)), label=_label(layer, *flags), fontname="Helvetica", border="0", margin="0")
            dot.add_node(node)
    if not hasattr(model, "_nodes"):  # a Sequential: a chain
        for before, after in zip(layers, layers[1:]):
            source = _source_box(before, 0) if expand_nested else before
            _add_edge(pydot, dot, source, _destination_box(after, 0) if expand_nested else after)
        return dot
    for node in model._nodes:
        for input_index, tensor in enumerate(node.input_tensors):
            source, _, tensor_index = tensor.keras_history
            if expand_nested:
                source = _source_box(source, tensor_index)
                destination = _destination_box(node.operation, input_index)
            else:
                destination = node.operation
            _add_edge(pydot, dot, source, destination)
    return dot


def plot_model(
    model,
    to_file="model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
):
    """Draw the model's graph to an image file, as ``keras.utils.plot_model``.

    Args:
        model: A built Sequential or Functional model (a subclassed model is one box).
        to_file: The file; its suffix picks the format (``.png``, ``.svg``, ``.pdf``...),
            PNG without one. Written atomically.
        show_shapes: Show each layer's input and output shapes.
        show_dtype: Show each layer's dtype.
        show_layer_names: Show each layer's name beside its class.
        rankdir: ``"TB"`` (top to bottom), ``"LR"`` (left to right), ``"BT"`` or ``"RL"``.
        expand_nested: Draw the layers of nested models inside a dashed box.
        dpi: Resolution of the image.
        show_layer_activations: Show the activation of layers that have one.
        show_trainable: Mark layers with weights as trainable or not.
        splines: How Graphviz draws arrows (``"ortho"``, ``"curved"``, ``"polyline"``, ``"spline"``, ``"line"``).

    Returns:
        An ``IPython.display.Image`` of a PNG or JPEG file when IPython is installed (shown
        inline in a notebook), else None (Keras also tries other formats, which IPython refuses).

    Unlike Keras, which prints a message and returns in a notebook, a missing pydot or
    Graphviz always raises ImportError.
    """
    for name, value in (
        ("show_shapes", show_shapes),
        ("show_dtype", show_dtype),
        ("show_layer_names", show_layer_names),
        ("expand_nested", expand_nested),
        ("show_layer_activations", show_layer_activations),
        ("show_trainable", show_trainable),
    ):
        check_bool(name, value)
    check_choice("rankdir", rankdir, RANKDIRS)
    _pydot()
    if shutil.which("dot") is None:
        raise ImportError("plot_model needs Graphviz's dot program (https://graphviz.org/download/); it is not on PATH")
    dot = model_to_dot(
        model,
        show_shapes,
        show_dtype,
        show_layer_names,
        rankdir,
        expand_nested,
        dpi,
        False,
        show_layer_activations,
        show_trainable,
        splines,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    with atomic_write(to_file) as temporary:
        dot.write(temporary, format=extension)
    if extension not in ("png", "jpg", "jpeg"):  # what IPython can show inline
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    return display.Image(filename=to_file, format=extension)
