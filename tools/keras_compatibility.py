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
import math
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
    "optimizers.schedules",
    "activations",
    "initializers",
    "regularizers",
    "constraints",
    "callbacks",
    "models",
    "saving",
    "datasets",
    "mixed_precision",
    "utils",
    "config",
    "random",
    "ops",
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
    ("utils", "pad_sequences"): (
        "`padding` and `truncating` are checked before anything else (Keras checks them only when a sequence "
        "needs them); a negative `maxlen` is refused"
    ),
    ("layers", "SpatialDropout1D"): "`rate` must be below 1 (Keras accepts 1, which drops or scales everything away)",
    ("layers", "SpatialDropout2D"): "`rate` must be below 1 (Keras accepts 1, which drops or scales everything away)",
    ("layers", "SpatialDropout3D"): "`rate` must be below 1 (Keras accepts 1, which drops or scales everything away)",
    ("layers", "GaussianDropout"): "`rate` must be below 1 (Keras accepts 1, which drops or scales everything away)",
    ("layers", "AlphaDropout"): "`rate` must be below 1 (Keras accepts 1, which drops or scales everything away)",
    ("utils", "Progbar"): (
        "`target`, `width`, `verbose` and `interval` are checked; in a file or a pipe (not a terminal or a "
        "Jupyter kernel) a plain line is added every `Progbar.log_interval` seconds (10) instead of Keras's "
        "`\\r` redraws every `interval`; it takes a `file` to draw to"
    ),
    ("utils", "plot_model"): (
        "`rankdir` must be 'TB', 'LR', 'BT' or 'RL' and the `show_*` flags booleans; a missing pydot or "
        "Graphviz raises ImportError in a notebook too (Keras prints a message there); the returned "
        "`IPython.display.Image` is given for PNG and JPEG files only"
    ),
    ("layers", "RNN"): (
        "`stateful=True` needs `batch_size=` or `batch_input_shape=` and refuses other batch sizes; a `mask` "
        "not of shape (batch, timesteps) and `initial_state` of the wrong count or shape are refused"
    ),
    ("layers", "LSTM"): "as `RNN`; `dropout` and `recurrent_dropout` must lie in [0, 1) (Keras clips them)",
    ("layers", "GRU"): "as `LSTM`",
    ("layers", "SimpleRNN"): "as `LSTM`",
    ("layers", "LSTMCell"): "`dropout` and `recurrent_dropout` must lie in [0, 1) (Keras clips them)",
    ("layers", "GRUCell"): "as `LSTMCell`",
    ("layers", "SimpleRNNCell"): "as `LSTMCell`",
    (
        "layers",
        "Attention",
    ): "query and key of different feature sizes, and masks of the wrong shape, are refused naming them",
    ("layers", "AdditiveAttention"): "as `Attention`",
    ("layers", "GlobalAveragePooling1D"): "a mask of the wrong shape is refused naming it",
    ("layers", "GlobalAvgPool1D"): "as `GlobalAveragePooling1D`",
    ("layers", "Masking"): "`mask_value` must be a number",
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
    ("layers", "BatchNormalization"): "`renorm` and `renorm_clipping` only at their defaults (refused "
    "otherwise); a mask weighs the batch statistics as Keras's does, but not with `synchronized=True` across "
    "processes (refused)",
    ("layers", "LayerNormalization"): "`rms_scaling` (deprecated by Keras 3, taken through `**kwargs`) is refused",
    ("layers", "Bidirectional"): (
        "`weights=` is refused (set the weights after building); every `merge_mode`, `backward_layer`, masks,"
        " `initial_state` and `return_state` as Keras"
    ),
    ("layers", "TimeDistributed"): "a mask passes through (`compute_mask`) but is not given to the wrapped layer",
    ("layers", "TextVectorization"): (
        "`sparse`, `ragged` only False (no sparse or ragged tensors), `encoding` only 'utf-8'; "
        "`output_mode='one_hot'` (undocumented by Keras, failing on split text) refused; no vocabulary file "
        "path; a callable `split` gets a 1-D NumPy array of str and returns a list of tokens per string; "
        "callable `standardize`/`split` are not written to `.keras` files; runs on the host (NumPy), as Keras"
        " on `tf.strings`"
    ),
    ("layers", "StringLookup"): (
        "`sparse` only False, `encoding` only 'utf-8', no vocabulary file path; `oov_method` ignored (strings"
        " are always hashed with FarmHash, as Keras does)"
    ),
    ("layers", "IntegerLookup"): "`sparse` only False, no vocabulary file path; inputs must be whole numbers",
    ("layers", "CategoryEncoding"): "`sparse` only False; values outside `[0, num_tokens)` are refused",
    ("layers", "Hashing"): "`sparse` only False; bins equal Keras's (FarmHash Fingerprint64, SipHash with `salt`)",
    ("utils", "timeseries_dataset_from_array"): (
        "`format` only 'tf' (a kerasette `Dataset`; no 'grain'); with `shuffle=True` the windows are permuted"
        " once per seed as Keras's first shuffle, without its second per-batch shuffle, so the order differs "
        "from Keras's; `end_index=0` is refused (Keras reads it as None)"
    ),
    ("layers", "RandomFlip"): (
        "images only (a batch or one image): no dicts of `images` with `bounding_boxes`, `labels`, "
        "`segmentation_masks`, no `bounding_box_format`; augments when called alone without `training=` as "
        "Keras 3, but not inside a model called without `training=` (kerasette's top-level default is "
        "inference)"
    ),
    ("layers", "RandomRotation"): (
        "as `RandomFlip`; `factor` pairs checked at both ends; while augmenting, an input gradient is refused"
        " with an error (Keras differentiates through its resampling): put it first, as usual"
    ),
    ("layers", "RandomZoom"): "as `RandomRotation`",
    ("layers", "RandomTranslation"): "as `RandomRotation`",
    ("layers", "RandomCrop"): (
        "as `RandomFlip`; at inference it resizes the centred window of the target's aspect ratio as Keras "
        "documents (Keras 3.15 returns the images unchanged, which later layers cannot take); without `seed` "
        "it draws from the global generator (Keras makes up a seed and saves it in the config)"
    ),
    ("layers", "RandomContrast"): (
        "as `RandomFlip`; as Keras 3, one number `f` means `(0, f)`: contrast in `[1, 1 + f]`, only ever raised"
    ),
    ("layers", "RandomBrightness"): "as `RandomFlip`",
    ("layers", "Resizing"): (
        "images only (no dicts with bounding boxes or masks); `interpolation` `'bilinear'`, `'nearest'`, "
        "`'bicubic'` (Keras's PyTorch backend's set; no `'lanczos3'`, `'lanczos5'`, `'area'`)"
    ),
    ("layers", "CenterCrop"): "images only (no dicts with bounding boxes or masks)",
    (
        "layers",
        "Conv3D",
    ): "`groups` only 1; `kernel_*` and `bias_*` regularizers and constraints only None (refused otherwise)",
    (
        "layers",
        "Convolution3D",
    ): "`groups` only 1; `kernel_*` and `bias_*` regularizers and constraints only None (refused otherwise)",
    ("layers", "UpSampling2D"): "`interpolation` 'nearest' and 'bilinear' only (no 'bicubic', 'lanczos3', 'lanczos5')",
    ("models", "Model"): (
        "`export` writes `format='onnx'` only (Sequential and Functional models of built-in layers; Keras's "
        "default 'tf_saved_model', and 'openvino' and 'litert', need TensorFlow or OpenVINO) and no "
        "`input_signature`; `summary(print_fn=...)` calls `print_fn` once per line, as Keras documents (Keras"
        " 3 passes the whole text at once); kerasette writes `.h5` model files for Sequential models only "
        "(Functional and subclassed models go to `.keras`, both ways with Keras); a subclassed model of "
        "several outputs in a list logs them by their losses and metrics as Keras 3 does, but where two share"
        " a name (two 'mse' losses) kerasette numbers the second (`mse_loss_1`) where Keras keeps one"
    ),
    ("models", "Sequential"): "as `Model`",
    ("wrappers", "SKLearnClassifier"): (
        "a fitted estimator cannot be pickled (Keras pickles its model through a `.keras` archive; the "
        "wrappers do not do that yet); stricter: `warm_start=True` trains the model fitted "
        "before (Keras accepts the flag and ignores it), `fit_kwargs` is not changed by `fit`'s arguments, a "
        "given model is copied compiled as it is, and `model`, `warm_start`, `model_kwargs`, `fit_kwargs` are"
        " checked at `fit`"
    ),
    ("wrappers", "SKLearnRegressor"): "as `SKLearnClassifier`",
    ("wrappers", "SKLearnTransformer"): "as `SKLearnClassifier`",
    ("layers", "MultiHeadAttention"): (
        "rank-3 inputs (batch, steps, features) with `attention_axes` None or `(1,)` only; `output_shape` an "
        "int or 1-tuple; Keras 3.15's `use_gate`, `sliding_window` and `flash_attention` are missing; "
        "attention scores are returned as values (no gradient flows back through them); a `query_mask` passed"
        " explicitly is honoured (Keras reads only the query's own mask); `.weights.h5` and `.keras` files "
        "both ways with Keras 3"
    ),
    ("distribution", "DataParallel"): (
        "data parallelism across MPI processes, one device each: `device_mesh` only None, `devices` only None"
        " or `list_devices()`; `auto_shard_dataset=False` means each process was given its own share of the "
        "data (see docs/DISTRIBUTED.md)"
    ),
    ("distribution", "initialize"): (
        "`job_addresses` only None (MPI's launcher places the processes); `num_processes` and `process_id` "
        "are checked against the MPI world"
    ),
    ("distribution", "list_devices"): (
        "one device per process of the job (`'cpu:<rank>'` or `'gpu:<rank>'`): a process alone lists one "
        "device, where Keras lists every device it sees"
    ),
    ("distribution", "get_device_count"): "as `list_devices`",
}
for _name in ("Conv1D", "Conv2D", "Convolution1D", "Convolution2D"):
    PARTIAL[("layers", _name)] = "`groups` only 1 (refused otherwise)"

# Notes for an argument wherever Keras's signature of a name in that module has it.
ARGUMENT_NOTES = {
    ("metrics", "dtype"): "`dtype` only a float type (Keras also takes `'int32'`)",
    ("losses", "dtype"): "a loss is computed in the predictions' float type (floatx), whatever `dtype` says",
    ("optimizers", "loss_scale_factor"): "`loss_scale_factor` only None (kerasette's training step does not scale "
    "the loss)",
    ("optimizers", "gradient_accumulation_steps"): "with `gradient_accumulation_steps`, `optimizer.iterations` counts "
    "every call (Keras: the updates, kerasette's `optimizer.update_count`)",
}

# Layers Keras 3.15.1 builds at construction (``layer.built`` is True before any call), as
# printed by ``KERAS_BACKEND=torch python -c "import keras; print(keras.layers.Dropout(0.5).built)"``
# and the like; kerasette builds them at their first call.
BUILT_AT_CONSTRUCTION = {
    "Activation",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "Dropout",
    "ELU",
    "GaussianNoise",
    "GlobalAveragePooling2D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling2D",
    "Identity",
    "LeakyReLU",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "ReLU",
    "Reshape",
    "Softmax",
}
BUILT_NOTE = "`built` is False until the first call (Keras 3 builds this stateless layer at construction)"


def encode_default(value):
    """A default as JSON: itself when JSON holds it exactly (tuples as lists), else ``{"repr": ...}``."""
    if isinstance(value, (tuple, list)):
        return [encode_default(item) for item in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if callable(value):
        return {"repr": getattr(value, "__name__", type(value).__name__)}
    return {"repr": repr(value)}


def target(obj):
    """What a name's signature is read from: a dataset module's ``load_data``, else the object."""
    if inspect.ismodule(obj) and callable(getattr(obj, "load_data", None)):
        return obj.load_data
    return obj


def signature(obj) -> list[list] | None:
    """``[[name], [name, default], ...]`` for a class's or function's arguments, None for other objects.

    Only named arguments count: ``*args`` and ``**kwargs`` (Keras's pass-through to ``Layer``)
    are not documented per class.
    """
    obj = target(obj)
    if not callable(obj) or inspect.ismodule(obj):
        return None
    try:
        parameters = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    named = [
        [p.name] if p.default is p.empty else [p.name, encode_default(p.default)]
        for p in parameters
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"
    ]
    if inspect.isclass(obj) and any(p.kind is p.VAR_KEYWORD for p in parameters):
        named += _passed_through(obj, {parameter[0] for parameter in named})
    return named


def _passed_through(cls, known: set[str]) -> list[list]:
    """The named arguments of the base classes' ``__init__`` that ``cls``'s ``**kwargs`` reach.

    Used for kerasette's classes, whose shared arguments (``activation``, ``name``, ...) often
    live on a base class, so that they count as accepted.
    """
    found = []
    for base in cls.__mro__[1:]:
        if "__init__" not in vars(base) or base is object:
            continue
        parameters = list(inspect.signature(vars(base)["__init__"]).parameters.values())
        for p in parameters[1:]:
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in known:
                known.add(p.name)
                found.append([p.name] if p.default is p.empty else [p.name, encode_default(p.default)])
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break
    return found


def _module(path: str, root):
    """``root.<path>`` for a dotted path ("optimizers.schedules"), None where the module is absent."""
    for part in path.split("."):
        root = getattr(root, part, None)
        if root is None:
            return None
    return root


def refresh() -> None:
    """Snapshot Keras's public names and their signatures; needs Keras (``KERAS_BACKEND=torch``)."""
    keras = importlib.import_module("keras")
    snapshot = {"keras_version": keras.__version__, "modules": {}}
    for module_name in MODULES:
        module = _module(module_name, keras)
        names = sorted(name for name in dir(module) if not name.startswith("_"))
        if module_name == "datasets":
            names = [name for name in names if hasattr(getattr(module, name), "load_data")]
        snapshot["modules"][module_name] = {name: signature(getattr(module, name)) for name in names}
    SNAPSHOT.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")


STATES = ("same", "differs: stricter", "partial", "missing")


def signature_differences(keras_signature: list[list] | None, ours: list[list] | None) -> list[str]:
    """What kerasette's signature lacks of Keras's: missing arguments, then other defaults."""
    if not keras_signature:
        return []
    ours = {parameter[0]: parameter[1:] for parameter in ours or []}
    lacking = [parameter[0] for parameter in keras_signature if parameter[0] not in ours]
    differing = [
        f"`{name}` defaults to {_shown(ours[name])} (Keras: {_shown(default)})"
        for name, *default in keras_signature
        if name in ours and ours[name] != default
    ]
    notes = ["no argument " + ", ".join(f"`{name}`" for name in lacking)] if lacking else []
    return notes + differing


def _shown(default: list) -> str:
    if not default:
        return "nothing (required)"
    value = default[0]
    return value["repr"] if isinstance(value, dict) else json.dumps(value)


def status(module, module_name: str, name: str, keras_signature: list[list] | None = None) -> tuple[str, str]:
    """``(state, note)`` of Keras's ``name`` in ``module`` (kerasette's, or None where it has none)."""
    if module is None or not hasattr(module, name):
        return "missing", ""
    found = getattr(module, name)
    notes = signature_differences(keras_signature, signature(found))
    if keras_signature is not None and inspect.ismodule(found) and not hasattr(found, "load_data"):
        notes.append(f"a module with part of `keras.{module_name}.{name}`")
    if (module_name, name) in PARTIAL:
        notes.append(PARTIAL[(module_name, name)])
    notes += [
        note
        for (module, argument), note in ARGUMENT_NOTES.items()
        if module == module_name and [argument] in [parameter[:1] for parameter in keras_signature or []]
    ]
    if module_name == "layers" and name in BUILT_AT_CONSTRUCTION:
        notes.append(BUILT_NOTE)
    stricter = STRICTER.get((module_name, name))
    if notes:
        return "partial", "; ".join(notes + ([stricter] if stricter else []))
    return ("differs: stricter", stricter) if stricter else ("same", "")


# The document's hand-written part (where kerasette is stricter and why, ...) follows this
# line; the tool keeps it as it is.
PROSE_MARKER = "<!-- Hand-written from here on: tools/keras_compatibility.py keeps it as it is. -->"


def render(prose: str | None = None) -> str:
    """The document's text, from the snapshot, the kerasette found on ``sys.path`` and ``prose``.

    ``prose`` is the hand-written part (by default the committed document's).
    """
    sys.path.insert(0, str(ROOT))
    kerasette = importlib.import_module("kerasette")
    snapshot = json.loads(SNAPSHOT.read_text())
    rows, summary = [], []
    for module_name, signatures in snapshot["modules"].items():
        module = _module(module_name, kerasette)
        statuses = [
            (name, *status(module, module_name, name, keras_signature)) for name, keras_signature in signatures.items()
        ]
        counts = {state: sum(1 for _, found, _ in statuses if found == state) for state in STATES}
        summary.append(f"| `{module_name}` | {len(statuses)} | " + " | ".join(str(counts[s]) for s in STATES) + " |")
        rows += ["", f"## `keras.{module_name}`", "", "| name | kerasette | note |", "| --- | --- | --- |"]
        rows += [f"| `{name}` | {state} | {note} |".replace(" |  |", " | |") for name, state, note in statuses]
    if prose is None:
        current = DOCUMENT.read_text() if DOCUMENT.exists() else ""
        prose = current.split(PROSE_MARKER, 1)[1] if PROSE_MARKER in current else "\n"
    header = [
        "# Keras 3 compatibility",
        "",
        f"Every public name of Keras {snapshot['keras_version']}'s `keras.<module>` for the modules below,",
        "and whether `kerasette.<module>` has it: **same** (the name, accepting every argument Keras's",
        "signature names, with Keras's defaults), **differs: stricter** (the same arguments, but refusing",
        "input Keras accepts, as noted), **partial** (there, without some of Keras's arguments, with",
        "other defaults, or with a difference in behaviour, as noted) or **missing**. The tables are",
        "generated by `tools/keras_compatibility.py` from a snapshot of Keras's names and signatures",
        "(`tools/keras_public_names.json`, argument names and defaults read from Keras itself by",
        "`--refresh`) compared with kerasette's own signatures; differences in behaviour that a",
        "signature cannot show are notes recorded in the tool. `tests/test_keras_compatibility.py`",
        "checks that the tables are up to date: edit the tool, not the tables. Arguments Keras passes",
        "through `**kwargs` to a base class (`name`, `dtype`, ...) are not compared.",
        "",
        "| module | Keras names | " + " | ".join(STATES) + " |",
        "| --- | --- | --- | --- | --- | --- |",
        *summary,
    ]
    return "\n".join(header + rows) + "\n\n" + PROSE_MARKER + prose


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
