"""model.summary() prints Keras 3's text: the box table, shapes, counts, "Connected to",
show_trainable, expand_nested, line_length, positions, layer_range, and the parameter
totals with their sizes (optimizer parameters once the optimizer has them). The expected
texts were written by real Keras (tests/fixtures/make_summary_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from summary_models import CASES, seed_mlp

import kerasette as keras
from kerasette.models.summary import readable_size

FIXTURE = Path(__file__).parent / "fixtures" / "keras_summaries.json"
KERAS_TEXT = json.loads(FIXTURE.read_text())["summaries"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_summary_text_is_keras_3s(case, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the default line length is then Keras's 88 or 108
    keras.utils.set_random_seed(0)
    make, arguments = CASES[case]
    lines = []
    make(keras).summary(print_fn=lines.append, **arguments)
    assert "\n".join(lines) + "\n" == KERAS_TEXT[case]


def test_the_default_line_length_follows_the_terminal(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    seed_mlp(keras).summary()
    lines = capsys.readouterr().out.splitlines()
    assert {len(line) for line in lines[1:-3]} == {56}  # the terminal's width less 4, as Keras


def test_sizes_are_keras_units():
    assert [readable_size(size) for size in (0, 608, 1024 * 1.5, 2678824, 3 * 1024**3)] == [
        "0.00 B",
        "608.00 B",
        "1.50 KB",
        "2.55 MB",
        "3.00 GB",
    ]


def test_bad_arguments_are_refused():
    model = seed_mlp(keras)
    with pytest.raises(ValueError, match="line_length=20 with positions=.* leaves a column narrower than 4"):
        model.summary(line_length=20, positions=[0.1, 0.8, 1.0])
    with pytest.raises(ValueError, match="positions: expected 3 positions, one per column"):
        model.summary(positions=[0.5, 1.0])
    with pytest.raises(ValueError, match="layer_range: .* matches no layer name; the layers are"):
        model.summary(layer_range=["nothing", "dense"])
    with pytest.raises(ValueError, match="layer_range: expected two layer names"):
        model.summary(layer_range="dense")
