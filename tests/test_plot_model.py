"""keras.utils.plot_model writes a PNG of the model's graph (pydot + Graphviz), with Keras 3's
labels; model_to_dot's graph has the model's boxes and arrows."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pydot = pytest.importorskip("pydot", reason='plot_model needs pydot: pip install "kerasette[plot]"')

import kerasette as keras  # noqa: E402
from kerasette import layers  # noqa: E402
from kerasette.utils import model_to_dot, plot_model  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def nested_model():
    inputs = keras.Input((8,), name="x")
    tower = keras.Sequential([layers.Dense(4, name="ta"), layers.Dense(2, name="tb")], name="tower")
    outputs = layers.add([tower(inputs), layers.Dense(2, activation="relu", name="d")(inputs)], name="total")
    return keras.Model(inputs, outputs, name="nested")


def labels_and_edges(dot) -> tuple[dict, set]:
    nodes = {node.get_name(): node.get("label") for node in dot.get_nodes() if node.get("label")}
    for cluster in dot.get_subgraphs():
        nodes.update({node.get_name(): node.get("label") for node in cluster.get_nodes() if node.get("label")})
    edges = [edge for graph in [dot, *dot.get_subgraphs()] for edge in graph.get_edges()]

    def name(identifier):
        label = nodes[str(identifier)]
        return label.split("<b>")[1].split("</b>")[0]

    return {name(key): value for key, value in nodes.items()}, {
        (name(edge.get_source()), name(edge.get_destination())) for edge in edges
    }


def test_model_to_dot_has_a_box_per_layer_and_an_arrow_per_call():
    labels, edges = labels_and_edges(model_to_dot(nested_model(), show_shapes=True))
    assert set(labels) == {"x", "tower", "d", "total"}
    assert edges == {("x", "tower"), ("x", "d"), ("tower", "total"), ("d", "total")}
    assert "Input shape: <b>[(None, 2), (None, 2)]</b>" in labels["total"]
    assert "Output shape: <b>(None, 8)</b>" in labels["x"] and "Input shape" not in labels["x"]


def test_expand_nested_draws_the_inner_layers_in_a_cluster():
    dot = model_to_dot(nested_model(), expand_nested=True, show_trainable=True, show_layer_activations=True)
    labels, edges = labels_and_edges(dot)
    assert set(labels) == {"x", "ta", "tb", "d", "total"}
    assert edges == {("x", "ta"), ("ta", "tb"), ("tb", "total"), ("x", "d"), ("d", "total")}
    assert [cluster.get("label") for cluster in dot.get_subgraphs()] == ["tower"]
    assert "Activation: <b>relu</b>" in labels["d"] and "<b>Trainable</b>" in labels["d"]


def test_layer_names_are_shown_only_when_asked():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="only")])
    assert "<b>Dense</b>" in model_to_dot(model, show_layer_names=False).get_nodes()[-1].get("label")
    assert "<b>only</b> (Dense)" in model_to_dot(model).get_nodes()[-1].get("label")


@needs_dot
def test_plot_model_writes_a_png_laid_out_by_rankdir(tmp_path):
    from PIL import Image

    model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dropout(0.1), layers.Dense(2)])
    tall, wide = tmp_path / "tall.png", tmp_path / "wide"
    plot_model(model, to_file=tall, show_shapes=True, show_layer_names=True, dpi=50)
    plot_model(model, to_file=wide, show_shapes=True, show_layer_names=True, rankdir="LR", dpi=50)  # no suffix: PNG
    assert tall.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and wide.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(tall) as top_to_bottom, Image.open(wide) as left_to_right:
        assert top_to_bottom.size[1] > 2 * left_to_right.size[1] and left_to_right.size[0] > 2 * top_to_bottom.size[0]
        assert np.asarray(top_to_bottom.convert("L")).min() == 0  # the black title bars are drawn
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tall.png", "wide"]


def test_bad_arguments_are_refused_before_drawing(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="rankdir"):
        plot_model(model, to_file=tmp_path / "m.png", rankdir="sideways")
    with pytest.raises(TypeError, match="show_shapes"):
        plot_model(model, to_file=tmp_path / "m.png", show_shapes="yes")
    with pytest.raises(ValueError, match="is not built"):
        model_to_dot(keras.Sequential([layers.Dense(2)]))
    assert list(tmp_path.iterdir()) == []
