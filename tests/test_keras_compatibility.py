"""docs/KERAS_COMPATIBILITY.md is what tools/keras_compatibility.py makes of the package today."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("keras_compatibility", ROOT / "tools" / "keras_compatibility.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_compatibility_document_is_up_to_date():
    tool = load_tool()
    expected = tool.render()
    assert (ROOT / "docs" / "KERAS_COMPATIBILITY.md").read_text() == expected, (
        "docs/KERAS_COMPATIBILITY.md is out of date: run python tools/keras_compatibility.py"
    )


def test_statuses_come_from_the_package():
    tool = load_tool()
    import kerasette

    assert tool.status(kerasette.layers, "layers", "Dense")[0] == "differs: stricter"
    assert tool.status(kerasette.optimizers, "optimizers", "Adam") == ("same", "")
    assert tool.status(kerasette.layers, "layers", "ConvLSTM2D") == ("missing", "")
    # Every stricter note is about a name the package has.
    for module_name, name in tool.STRICTER:
        assert hasattr(getattr(kerasette, module_name), name), (module_name, name)
    assert tool.status(kerasette.callbacks, "callbacks", "TensorBoard")[0] == "partial"
    # A name lacking one of Keras's recorded arguments is partial, the arguments named.
    assert tool.status(kerasette.ops, "ops", "round", ["x", "decimals"]) == ("partial", "no argument `decimals`")
    assert tool.status(kerasette.random, "random", "normal", ["shape", "mean", "stddev", "dtype", "seed"]) == (
        "same",
        "",
    )
