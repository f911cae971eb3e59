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
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "activations",
    "callbacks",
    "utils",
    "config",
    "random",
    "ops",
    "models",
    "wrappers",
    "distribution",
)

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
    ("utils", "pad_sequences"): "`padding` and `truncating` are checked before anything else (Keras checks them "
    "only when a sequence needs them); a negative `maxlen` is refused",
    **{
        ("layers", name): "`rate` must be below 1 (Keras accepts 1, which drops or scales everything away)"
        for name in ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout")
    },
    ("utils", "Progbar"): "`target`, `width`, `verbose` and `interval` are checked; in a file or a pipe (not a "
    "terminal or a Jupyter kernel) a plain line is added every `Progbar.log_interval` seconds (10) instead of Keras's "
    "`\\r` redraws every `interval`; it takes a `file` to draw to",
    ("utils", "plot_model"): "`rankdir` must be 'TB', 'LR', 'BT' or 'RL' and the `show_*` flags booleans; a missing "
    "pydot or Graphviz raises ImportError in a notebook too (Keras prints a message there); the returned "
    "`IPython.display.Image` is given for PNG and JPEG files only",
    ("layers", "RNN"): "`stateful=True` needs `batch_size=` or `batch_input_shape=` and refuses other batch sizes; "
    "a `mask` not of shape (batch, timesteps) and `initial_state` of the wrong count or shape are refused",
    ("layers", "LSTM"): "as `RNN`; `dropout` and `recurrent_dropout` must lie in [0, 1) (Keras clips them)",
    ("layers", "GRU"): "as `LSTM`",
    ("layers", "SimpleRNN"): "as `LSTM`",
    ("layers", "LSTMCell"): "`dropout` and `recurrent_dropout` must lie in [0, 1) (Keras clips them)",
    ("layers", "GRUCell"): "as `LSTMCell`",
    ("layers", "SimpleRNNCell"): "as `LSTMCell`",
    ("layers", "Attention"): "query and key of different feature sizes, and masks of the wrong shape, are refused "
    "naming them",
    ("layers", "AdditiveAttention"): "as `Attention`",
    ("layers", "GlobalAveragePooling1D"): "a mask of the wrong shape is refused naming it",
    ("layers", "GlobalAvgPool1D"): "as `GlobalAveragePooling1D`",
    ("layers", "Masking"): "`mask_value` must be a number",
}

_CONV_OPTIONS = "regularizers and constraints only None (refused otherwise)"

# Names that exist but take only part of what Keras documents: the note says what is missing.
PARTIAL = {
    ("layers", "Bidirectional"): "`weights=` is refused (set the weights after building); every `merge_mode`, "
    "`backward_layer`, masks, `initial_state` and `return_state` as Keras",
    ("layers", "TimeDistributed"): "a mask passes through (`compute_mask`) but is not given to the wrapped layer",
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
    ("layers", "TextVectorization"): "`sparse`, `ragged` only False (no sparse or ragged tensors), `encoding` only "
    "'utf-8'; `output_mode='one_hot'` (undocumented by Keras, failing on split text) refused; no vocabulary file "
    "path; a callable `split` gets a 1-D NumPy array of str and returns a list of tokens per string; callable "
    "`standardize`/`split` are not written to `.keras` files; runs on the host (NumPy), as Keras on `tf.strings`",
    ("layers", "StringLookup"): "`sparse` only False, `encoding` only 'utf-8', no vocabulary file path; "
    "`oov_method` ignored (strings are always hashed with FarmHash, as Keras does)",
    ("layers", "IntegerLookup"): "`sparse` only False, no vocabulary file path; inputs must be whole numbers",
    ("layers", "CategoryEncoding"): "`sparse` only False; values outside `[0, num_tokens)` are refused",
    ("layers", "Hashing"): "`sparse` only False; bins equal Keras's (FarmHash Fingerprint64, SipHash with `salt`)",
    ("utils", "timeseries_dataset_from_array"): "`format` only 'tf' (a kerasette `Dataset`; no 'grain'); with "
    "`shuffle=True` the windows are permuted once per seed as Keras's first shuffle, without its second per-batch "
    "shuffle, so the order differs from Keras's; `end_index=0` is refused (Keras reads it as None)",
    ("layers", "RandomFlip"): "images only (a batch or one image): no dicts of `images` with `bounding_boxes`, "
    "`labels`, `segmentation_masks`, no `bounding_box_format`; augments when called alone without `training=` as "
    "Keras 3, but not inside a model called without `training=` (kerasette's top-level default is inference)",
    ("layers", "RandomRotation"): "as `RandomFlip`; `factor` pairs checked at both ends; while augmenting, an input "
    "gradient is refused with an error (Keras differentiates through its resampling): put it first, as usual",
    ("layers", "RandomZoom"): "as `RandomRotation`",
    ("layers", "RandomTranslation"): "as `RandomRotation`",
    ("layers", "RandomCrop"): "as `RandomFlip`; at inference it resizes the centred window of the target's aspect "
    "ratio as Keras documents (Keras 3.15 returns the images unchanged, which later layers cannot take); without "
    "`seed` it draws from the global generator (Keras makes up a seed and saves it in the config)",
    ("layers", "RandomContrast"): "as `RandomFlip`; as Keras 3, one number `f` means `(0, f)`: contrast in "
    "`[1, 1 + f]`, only ever raised",
    ("layers", "RandomBrightness"): "as `RandomFlip`",
    ("layers", "Resizing"): "images only (no dicts with bounding boxes or masks); `interpolation` `'bilinear'`, "
    "`'nearest'`, `'bicubic'` (Keras's PyTorch backend's set; no `'lanczos3'`, `'lanczos5'`, `'area'`)",
    ("layers", "CenterCrop"): "images only (no dicts with bounding boxes or masks)",
    **{
        ("layers", name): f"`groups` only 1; `kernel_*` and `bias_*` {_CONV_OPTIONS}"
        for name in ("Conv3D", "Convolution3D")
    },
    ("layers", "UpSampling2D"): "`interpolation` 'nearest' and 'bilinear' only (no 'bicubic', 'lanczos3', 'lanczos5')",
    **{
        ("layers", name): "no `mask` call argument (kerasette has no masking yet)"
        for name in ("GlobalAveragePooling1D", "GlobalAvgPool1D")
    },
    ("models", "Model"): "`export` writes `format='onnx'` only (Sequential and Functional models of built-in layers; "
    "Keras's default 'tf_saved_model', and 'openvino' and 'litert', need TensorFlow or OpenVINO) and no "
    "`input_signature`; `summary(print_fn=...)` calls `print_fn` once per line, as Keras documents (Keras 3 passes "
    "the whole text at once); `.keras`/`.h5` files of Functional and subclassed models are not written yet",
    ("models", "Sequential"): "as `Model`",
    ("wrappers", "SKLearnClassifier"): "a fitted estimator cannot be pickled (Keras pickles its model through a "
    "`.keras` archive, which kerasette writes for Sequential models only); stricter: `warm_start=True` trains "
    "the model fitted before (Keras accepts the flag and ignores it), `fit_kwargs` is not changed by `fit`'s "
    "arguments, a given model is copied compiled as it is, and `model`, `warm_start`, `model_kwargs`, "
    "`fit_kwargs` are checked at `fit`",
    ("wrappers", "SKLearnRegressor"): "as `SKLearnClassifier`",
    ("wrappers", "SKLearnTransformer"): "as `SKLearnClassifier`",
    ("layers", "MultiHeadAttention"): "rank-3 inputs (batch, steps, features) with `attention_axes` None or `(1,)` "
    "only; `output_shape` an int or 1-tuple; Keras 3.15's `use_gate`, `sliding_window` and `flash_attention` are "
    "missing; attention scores are returned as values (no gradient flows back through them); a `query_mask` passed "
    "explicitly is honoured (Keras reads only the query's own mask); weights in `.weights.h5` both ways, not in "
    "`.keras` archives (kerasette's archives hold Sequential models)",
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
