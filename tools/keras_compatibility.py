"""Write docs/KERAS_COMPATIBILITY.md: Keras 3's public names and kerasette's status for each.

    python tools/keras_compatibility.py            # regenerate the document
    python tools/keras_compatibility.py --check    # exit 1 if the document is out of date
    KERAS_BACKEND=torch python tools/keras_compatibility.py --refresh   # re-read Keras's names

Keras's names come from ``keras_public_names.json`` beside this script, a snapshot of
``dir(keras.<module>)`` taken with real Keras by ``--refresh``, so that the document can
be regenerated (and tested) without Keras installed. kerasette's status is read from the
package itself: a name is there or missing; ``STRICTER`` notes the names that exist but
refuse input that Keras accepts; ``PARTIAL`` the names that lack some of Keras's arguments
or values, naming what is missing.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SNAPSHOT = HERE / "keras_public_names.json"
DOCUMENT = ROOT / "docs" / "KERAS_COMPATIBILITY.md"
MODULES = (
    "layers", "losses", "metrics", "optimizers", "activations", "callbacks", "utils", "config", "random", "ops",
    "distribution",
)  # fmt: skip

# Names that exist in both but where kerasette refuses what Keras lets through.
STRICTER = {
    ("callbacks", "EarlyStopping"): "an unknown `monitor` is refused before training (Keras raises after an epoch in "
    "mode 'auto' and only warns in 'min'/'max')",
    ("utils", "to_categorical"): "negative, non-integer and out-of-range labels are refused",
    ("utils", "PyDataset"): "batches are read in the training process (no worker pool); steps beyond its length "
    "are refused",
    ("utils", "Sequence"): "as `PyDataset`",
    ("utils", "image_dataset_from_directory"): "returns kerasette's `Dataset` (NumPy batches, tf.data's methods); "
    "Pillow resizes, so `'lanczos5'`, `'gaussian'` and `'mitchellcubic'` are refused; a `validation_split` that "
    "leaves no validation file is refused; a file that fails to decode raises naming it",
    ("utils", "text_dataset_from_directory"): "returns kerasette's `Dataset`; texts are `str` (TensorFlow gives "
    "`bytes`); a `validation_split` that leaves no validation file is refused",
    ("losses", "SparseCategoricalCrossentropy"): "labels outside `[0, classes)` are refused",
    ("losses", "sparse_categorical_crossentropy"): "labels outside `[0, classes)` are refused",
    ("metrics", "SparseCategoricalAccuracy"): "labels outside `[0, classes)` are refused",
    ("metrics", "IoU"): "`dtype` must be a float dtype: the confusion matrix is counted in floats (Keras's default "
    "`'int'` truncates fractional sample weights)",
    ("metrics", "MeanIoU"): "as `IoU`",
    ("metrics", "BinaryIoU"): "as `IoU`",
    ("metrics", "OneHotIoU"): "as `IoU`",
    ("metrics", "OneHotMeanIoU"): "as `IoU`",
    ("optimizers", "SGD"): "a learning rate or momentum out of range is refused at construction",
    ("layers", "Dense"): "`units` must be a positive integer; non-finite inputs are refused in `fit`",
}

# Names that exist but take only part of what Keras documents: the note says what is missing.
PARTIAL = {
    ("callbacks", "TensorBoard"): "`histogram_freq` (weight histograms), `update_freq` and `write_graph` (accepted; "
    "no graph to write) as Keras; `write_images`, `write_steps_per_second`, `profile_batch`, `embeddings_freq` and "
    "`embeddings_metadata` only at their defaults (refused otherwise)",
    ("config", "set_epsilon"): "only Keras's default `1e-7`, with which every loss, metric, constraint and GPU kernel "
    "is written; other values are refused",
    ("config", "set_floatx"): "`'float16'`, `'float32'` and `'float64'`; no `'bfloat16'`",
    ("config", "backend"): "returns kerasette's array backend, `'numpy'` or `'cupy'`",
    ("config", "enable_unsafe_deserialization"): "accepted, changes nothing: kerasette loads no code from files, so "
    "loading is always Keras's safe mode",
    ("random", "SeedGenerator"): "`seed` only (no `name`, no `state` variable)",
    ("distribution", "DataParallel"): "data parallelism across MPI processes, one device each: `device_mesh` only "
    "None, `devices` only None or `list_devices()`; `auto_shard_dataset=False` means each process was given its "
    "own share of the data (see docs/DISTRIBUTED.md)",
    ("distribution", "initialize"): "`job_addresses` only None (MPI's launcher places the processes); "
    "`num_processes` and `process_id` are checked against the MPI world",
    ("distribution", "list_devices"): "one device per process of the job (`'cpu:<rank>'` or `'gpu:<rank>'`): a "
    "process alone lists one device, where Keras lists every device it sees",
    ("distribution", "get_device_count"): "as `list_devices`",
}


# Modules whose functions' argument names are recorded too: a name there lacking one of
# Keras's arguments is "partial", the arguments named.
SIGNED_MODULES = ("config", "random", "ops", "distribution")


def _parameters(obj) -> list[str] | None:
    """The argument names of a function or class (None for other objects: modules, constants)."""
    if not callable(obj) or inspect.ismodule(obj):
        return None
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    return [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"]


def refresh() -> None:
    """Snapshot Keras's public names; needs Keras (``KERAS_BACKEND=torch``)."""
    keras = importlib.import_module("keras")
    names = {
        module: sorted(name for name in dir(getattr(keras, module)) if not name.startswith("_")) for module in MODULES
    }
    names["keras_version"] = keras.__version__
    names["signatures"] = {
        module: {name: _parameters(getattr(getattr(keras, module), name)) for name in names[module]}
        for module in SIGNED_MODULES
    }
    SNAPSHOT.write_text(json.dumps(names, indent=1, sort_keys=True) + "\n")


STATES = ("same", "differs: stricter", "partial", "missing")


def status(module, module_name: str, name: str, keras_parameters: list[str] | None = None) -> tuple[str, str]:
    if not hasattr(module, name):
        return "missing", ""
    if (module_name, name) in PARTIAL:
        return "partial", PARTIAL[(module_name, name)]
    if module_name in SIGNED_MODULES and inspect.ismodule(getattr(module, name)):
        return "partial", f"a module with part of `keras.{module_name}.{name}` (the names above say which)"
    ours = _parameters(getattr(module, name)) or []
    lacking = [parameter for parameter in keras_parameters or [] if parameter not in ours]
    if lacking:
        return "partial", "no argument " + ", ".join(f"`{parameter}`" for parameter in lacking)
    note = STRICTER.get((module_name, name))
    return ("differs: stricter", note) if note else ("same", "")


def render() -> str:
    """The document's text, from the snapshot and the kerasette found on ``sys.path``."""
    sys.path.insert(0, str(ROOT))
    snapshot = json.loads(SNAPSHOT.read_text())
    rows, summary = [], []
    for module_name in MODULES:
        module = importlib.import_module(f"kerasette.{module_name}")
        signatures = snapshot.get("signatures", {}).get(module_name, {})
        statuses = [(name, *status(module, module_name, name, signatures.get(name))) for name in snapshot[module_name]]
        counts = {state: sum(1 for _, found, _ in statuses if found == state) for state in STATES}
        summary.append(f"| `{module_name}` | {len(statuses)} | " + " | ".join(str(counts[s]) for s in STATES) + " |")
        rows += ["", f"## `keras.{module_name}`", "", "| name | kerasette | note |", "| --- | --- | --- |"]
        rows += [f"| `{name}` | {state} | {note} |".replace(" |  |", " | |") for name, state, note in statuses]
    header = [
        "# Keras 3 compatibility",
        "",
        f"Every public name of Keras {snapshot['keras_version']}'s `keras.<module>` for the modules below,",
        "and whether `kerasette.<module>` has it: **same** (the name, with Keras's arguments and",
        "defaults), **differs: stricter** (there, but refusing input Keras accepts, as noted),",
        "**partial** (there, without some of Keras's arguments or values, as noted) or",
        "**missing**. Generated by `tools/keras_compatibility.py` from a snapshot of Keras's names",
        "(`tools/keras_public_names.json`) and the package itself; `tests/test_keras_compatibility.py`",
        "checks that it is up to date. Do not edit by hand.",
        "",
        "| module | Keras names | " + " | ".join(STATES) + " |",
        "| --- | --- | --- | --- | --- | --- |",
        *summary,
    ]
    return "\n".join(header + rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="re-read Keras's public names (needs Keras)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is out of date")
    arguments = parser.parse_args()
    if arguments.refresh:
        refresh()
    text = render()
    if arguments.check:
        current = DOCUMENT.read_text() if DOCUMENT.exists() else ""
        if current != text:
            print(f"{DOCUMENT} is out of date; run python tools/keras_compatibility.py", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
