"""docs/KERAS_COMPATIBILITY.md is what tools/keras_compatibility.py makes of the package today,
and what it calls "same" accepts every argument Keras's recorded signature names, with Keras's
defaults."""

import importlib.util
import json
from pathlib import Path

import pytest

import kerasette

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("keras_compatibility", ROOT / "tools" / "keras_compatibility.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool()
SNAPSHOT = json.loads((ROOT / "tools" / "keras_public_names.json").read_text())


def documented_rows():
    """(module, name, state, note) of every row of the committed document's tables."""
    rows, module = [], None
    for line in (ROOT / "docs" / "KERAS_COMPATIBILITY.md").read_text().split(tool.PROSE_MARKER)[0].splitlines():
        if line.startswith("## `keras."):
            module = line[len("## `keras.") : -1]
        elif module and line.startswith("| `"):
            name, state, note = (cell.strip() for cell in line.strip("|").split("|", 2))
            rows.append((module, name.strip("`"), state, note))
    return rows


def test_the_compatibility_document_is_up_to_date():
    assert (ROOT / "docs" / "KERAS_COMPATIBILITY.md").read_text() == tool.render(), (
        "docs/KERAS_COMPATIBILITY.md is out of date: run python tools/keras_compatibility.py"
    )


def test_the_snapshot_records_keras_signatures_with_defaults():
    layers = SNAPSHOT["modules"]["layers"]
    assert ["rate"] in layers["Dropout"] and ["noise_shape", None] in layers["Dropout"]
    assert ["learning_rate", 0.001] in SNAPSHOT["modules"]["optimizers"]["Adam"]
    assert ["label_mode", "fine"] in SNAPSHOT["modules"]["datasets"]["cifar100"]


def test_every_row_is_a_keras_name_of_the_snapshot():
    rows = documented_rows()
    assert {(module, name) for module, name, _, _ in rows} == {
        (module, name) for module, names in SNAPSHOT["modules"].items() for name in names
    }


def row_id(row):
    return f"{row[0]}.{row[1]}"


@pytest.mark.parametrize(
    "row", [row for row in documented_rows() if row[2] in ("same", "differs: stricter")], ids=row_id
)
def test_a_same_name_accepts_every_keras_argument_with_keras_default(row):
    module_name, name, _, _ = row
    ours = tool.signature(getattr(tool._module(module_name, kerasette), name))
    keras_signature = SNAPSHOT["modules"][module_name][name]
    if keras_signature is None:
        return
    ours = {parameter[0]: parameter[1:] for parameter in ours}
    for argument, *default in keras_signature:
        assert argument in ours, f"{module_name}.{name} lacks Keras's argument {argument!r}"
        assert ours[argument] == default, f"{module_name}.{name}({argument}=...): {ours[argument]} != Keras's {default}"


def keyword_defaults(keras_signature):
    return {
        name: tuple(default[0]) if isinstance(default[0], list) else default[0] for name, *default in keras_signature
    }


CONSTRUCTED = ("layers", "losses", "metrics", "optimizers", "callbacks", "initializers", "regularizers", "constraints")


@pytest.mark.parametrize(
    "row",
    [
        row
        for row in documented_rows()
        if row[0] in CONSTRUCTED
        and row[2] in ("same", "differs: stricter")
        and row[1][0].isupper()
        and all(len(parameter) == 2 for parameter in SNAPSHOT["modules"][row[0]][row[1]] or [[""]])
    ],
    ids=row_id,
)
def test_a_same_class_is_built_with_every_keras_default_spelled_out(row):
    """The signature is not all: the class must take Keras's defaults, given by keyword, at run time."""
    module_name, name, _, _ = row
    cls = getattr(tool._module(module_name, kerasette), name)
    arguments = keyword_defaults(SNAPSHOT["modules"][module_name][name])
    cls(**arguments)


def test_status_from_signatures():
    class Base:
        def __init__(self, name=None, dtype=None):
            pass

    class Ours(Base):
        def __init__(self, rate, seed=None, **kwargs):
            super().__init__(**kwargs)

    module = type("module", (), {"Ours": Ours})
    # An argument reached through **kwargs counts; a missing one or another default makes it partial.
    assert tool.status(module, "layers", "Ours", [["rate"], ["name", None]]) == ("same", "")
    assert tool.status(module, "layers", "Ours", [["rate"], ["noise_shape", None], ["seed", None]]) == (
        "partial",
        "no argument `noise_shape`",
    )
    assert tool.status(module, "layers", "Ours", [["rate", 0.5], ["seed", 1]]) == (
        "partial",
        "`rate` defaults to nothing (required) (Keras: 0.5); `seed` defaults to null (Keras: 1)",
    )
    assert tool.status(module, "layers", "Theirs", [["x"]]) == ("missing", "")
    assert tool.status(None, "mixed_precision", "Policy", [["name"]]) == ("missing", "")


def test_recorded_notes_name_what_signatures_cannot_show():
    # A recorded note makes a name partial even when its signature matches.
    assert tool.status(kerasette.callbacks, "callbacks", "TensorBoard", None)[0] == "partial"
    for module_name, name in {**tool.STRICTER, **tool.PARTIAL}:
        assert hasattr(tool._module(module_name, kerasette), name), (module_name, name)


def test_the_hand_written_part_is_kept():
    assert tool.render(prose="\nWhy kerasette refuses labels out of range.\n").endswith(
        tool.PROSE_MARKER + "\nWhy kerasette refuses labels out of range.\n"
    )
