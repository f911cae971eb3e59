"""From what the user passes to checked device arrays: inputs, targets and sample weights.

Everything here runs before the first weight update. Inputs are checked against the
shape the model has, or would have once built, so a refused call changes and builds
nothing; targets are checked by the loss (``Loss.prepare_targets``), which knows what
it needs.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from kerasette import backend, losses
from kerasette.graph.structure import flatten, map_structure, pack_as
from kerasette.graph.symbolic import shapes_compatible
from kerasette.validation import check_same_length, host_array


class Arrays(NamedTuple):
    """Device arrays of one data set: inputs, and targets and weights where given.

    Each is one array, or for a model of several inputs or outputs a list, tuple or dict
    of them (None where an output has no targets or weights).
    """

    features: object
    targets: object = None
    weights: object = None

    @property
    def num_samples(self) -> int:
        features = self.features
        return (features if hasattr(features, "shape") else flatten(features)[0]).shape[0]

    def rows(self, selection) -> Arrays:
        """The same arrays restricted to ``selection`` (a slice or indices)."""
        if all(part is None or hasattr(part, "shape") for part in self):
            return Arrays(*(None if part is None else part[selection] for part in self))
        return Arrays(
            *(map_structure(lambda array: None if array is None else array[selection], part) for part in self)
        )


def prepare_features(values, argument: str):
    """Model inputs as a device array of floatx, checked for size and finiteness."""
    array = host_array(values, argument)
    if array.ndim == 0:
        raise ValueError(f"{argument}: expected a batch of samples, shape (n, ...); received a scalar")
    if array.shape[0] == 0:
        raise ValueError(
            f"{argument}: expected at least one sample; received an empty array of shape {tuple(array.shape)}"
        )
    array = backend.to_device(array, backend.floatx())
    if not bool(backend.xp.isfinite(array).all()):
        raise ValueError(f"{argument}: contains NaN or infinity; inputs must be finite")
    return array


def prepare_host_features(values, argument: str):
    """Inputs for a model whose first layer takes host data (strings for a text layer):
    a NumPy array as given, checked for size only; that layer checks its values."""
    array = np.asarray(values, dtype=object) if isinstance(values, (list, tuple)) else values
    array = array if isinstance(array, np.ndarray) or backend.is_device_array(array) else np.asarray(array)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{argument}: expected a batch of at least one sample, shape (n, ...); received {array!r}")
    return array


def _one_array_in_a_list(value) -> bool:
    # Not a list of one number or of one nested list: those are one array-like, of one sample.
    return isinstance(value, (list, tuple)) and len(value) == 1 and getattr(value[0], "ndim", 0) >= 1


def prepare(model, loss, x, y=None, sample_weight=None, prefix: str = "") -> Arrays:
    """Checked device arrays for ``x`` and, when given, ``y`` and ``sample_weight``.

    Args:
        model: The model the data is for (its input and output shapes are checked).
        loss: The compiled loss, which prepares the targets; unused without ``y``.
        prefix: Put before argument names in messages (``'validation_data: '``).
    """
    compiled = getattr(model, "compiled_outputs", None)
    functional = hasattr(model, "_inputs_struct")
    if isinstance(x, dict) and not functional:
        raise ValueError(
            f"{prefix}x: a dict of inputs (keys {sorted(x)}) needs a Functional model with named inputs; "
            f"model '{model.name}' is a {type(model).__name__}: expected an array"
        )
    # As Keras 3: the inputs of a Functional model's one input, or the targets of its one
    # output, may come as a list of one array.
    if functional and len(model._inputs) == 1 and _one_array_in_a_list(x):
        x = x[0]
    if functional and len(model._outputs) == 1 and _one_array_in_a_list(y):
        y = y[0]
    if compiled or (functional and (len(flatten(model._inputs_struct)) > 1 or isinstance(x, dict))):
        return _prepare_structured(model, compiled, x, y, sample_weight, prefix)
    if getattr(model, "takes_host_inputs", False):
        features = prepare_host_features(x, f"{prefix}x")
    else:
        features = prepare_features(x, f"{prefix}x")
    input_shape = model.input_shape_for(features.shape)
    if not shapes_compatible(tuple(input_shape), tuple(features.shape)):  # None: any size, as Keras
        raise ValueError(
            f"{prefix}x: expected samples of shape {tuple(input_shape[1:])} (the model's input shape); "
            f"received shape {tuple(features.shape)}"
        )
    if y is None:
        return Arrays(features)
    y_length = y.shape[0] if backend.is_device_array(y) else len(host_array(y, f"{prefix}y"))
    lengths = [(f"{prefix}x", features.shape[0]), (f"{prefix}y", y_length)]
    if sample_weight is not None:
        weights_array = host_array(sample_weight, f"{prefix}sample_weight")
        if weights_array.ndim:  # a scalar weighs every sample alike
            lengths.append((f"{prefix}sample_weight", weights_array.shape[0]))
    check_same_length(lengths)
    if loss is None:
        # No compiled loss (a train_step of one's own): y and sample_weight go to it as arrays.
        array = host_array(y, f"{prefix}y")
        targets = backend.to_device(array, backend.floatx() if array.dtype.kind == "f" else None)
        weights = None
        if sample_weight is not None:
            weights = backend.to_device(host_array(sample_weight, f"{prefix}sample_weight"), backend.floatx())
        return Arrays(features, targets, weights)
    output_shape = (features.shape[0],) + tuple(model.compute_output_shape(input_shape)[1:])
    targets = loss.prepare_targets(y, output_shape, f"{prefix}y")
    weights = loss.prepare_sample_weight(sample_weight, output_shape, f"{prefix}sample_weight")
    return Arrays(features, targets, weights)


def _prepare_structured(model, compiled, x, y, sample_weight, prefix: str) -> Arrays:
    """:func:`prepare` for a Functional model of several inputs or outputs (lists or dicts),
    or a subclassed model of several outputs."""
    from kerasette.trainers.compiled_outputs import output_shapes

    if not hasattr(model, "_inputs_struct"):  # subclassed: the inputs go to its call as given
        features = map_structure(lambda value: prepare_features(value, f"{prefix}x"), x)
        lengths = [(f"{prefix}x", array.shape[0]) for array in flatten(features)]
        if y is None:
            check_same_length(lengths)
            return Arrays(features)
        return _prepare_targets(compiled, features, lengths, y, sample_weight, prefix, output_shapes(model))
    names = [tensor.name for tensor in model.inputs]
    leaves = x if isinstance(x, dict) else dict(zip(names, x if isinstance(x, (list, tuple)) else [x]))
    checked = {name: prepare_features(value, f"{prefix}x['{name}']") for name, value in leaves.items()}
    flat = model._standardize_inputs(checked if isinstance(x, dict) else [checked[name] for name in names])
    features = pack_as(model._inputs_struct, flat)
    lengths = [(f"{prefix}x['{name}']", array.shape[0]) for name, array in zip(names, flat)]
    if y is None:
        check_same_length(lengths)
        return Arrays(features)
    if compiled is None:  # several inputs, one output
        single = prepare(_OneInput(model, flat[0].shape), model.loss, flat[0], y, sample_weight, prefix)
        check_same_length([*lengths, (f"{prefix}y", single.targets.shape[0])])
        return Arrays(features, single.targets, single.weights)
    return _prepare_targets(compiled, features, lengths, y, sample_weight, prefix, output_shapes(model))


def _prepare_targets(compiled, features, lengths: list, y, sample_weight, prefix: str, shapes: list) -> Arrays:
    """``features`` with each output's targets and sample weights, checked against its
    shape in ``shapes``; ``lengths`` are the inputs' sample counts."""
    from kerasette.trainers.compiled_outputs import per_output

    output_names = [output.name for output in compiled]
    ys = per_output(f"{prefix}y", y, output_names, broadcast=False)
    broadcast = not isinstance(sample_weight, (list, tuple, dict))
    sample_weights = per_output(f"{prefix}sample_weight", sample_weight, output_names, broadcast)
    targets, weights = [], []
    for output, target, weight, shape in zip(compiled, ys, sample_weights, shapes):
        argument = f"{prefix}y['{output.name}']"
        if output.loss is None or target is None:
            if output.loss is not None:
                raise ValueError(f"{argument}: output '{output.name}' has a loss, so it needs targets; received None")
            targets.append(None)
            weights.append(None)
            continue
        lengths.append((argument, len(host_array(target, argument))))
        output_shape = (lengths[0][1],) + tuple(shape[1:])
        targets.append(output.loss.prepare_targets(target, output_shape, argument))
        weights.append(
            output.loss.prepare_sample_weight(weight, output_shape, f"{prefix}sample_weight['{output.name}']")
        )
    check_same_length(lengths)
    return Arrays(features, tuple(targets), tuple(weights))


class _OneInput:
    """A view of a model of several inputs that :func:`prepare` checks one array against (its first input)."""

    def __init__(self, model, shape):
        self.model, self.shape = model, (None,) + tuple(shape[1:])

    def input_shape_for(self, data_shape):
        return self.shape

    def compute_output_shape(self, input_shape):
        return self.model.output_shape


def split_validation(arrays: Arrays, fraction: float) -> tuple[Arrays, Arrays]:
    """The first ``1 - fraction`` of the samples for training, the *last* for validation, as in Keras."""
    split_at = int(math.floor(arrays.num_samples * (1.0 - fraction)))
    if split_at == 0 or split_at == arrays.num_samples:
        raise ValueError(
            f"validation_split: {fraction} of {arrays.num_samples} samples leaves an empty training or validation set"
        )
    return arrays.rows(slice(None, split_at)), arrays.rows(slice(split_at, None))


def class_weight_to_sample_weight(class_weight, labels) -> np.ndarray:
    """Per-sample weights ``class_weight[label]`` for integer ``labels`` (host arrays).

    >>> class_weight_to_sample_weight({0: 1.0, 1: 3.0}, np.array([1, 0, 1])).tolist()
    [3.0, 1.0, 3.0]
    """
    if not isinstance(class_weight, dict) or not class_weight:
        raise TypeError(f"class_weight: expected a dict mapping class index to weight; received {class_weight!r}")
    labels = labels.astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - {int(k) for k in class_weight})
    if missing:
        raise ValueError(f"class_weight: no weight given for classes {missing}; received keys {sorted(class_weight)}")
    table = np.zeros(max(max(int(k) for k in class_weight), int(labels.max())) + 1)
    for key, value in class_weight.items():
        table[int(key)] = float(value)
    return table[labels]


def apply_class_weight(loss, class_weight, arrays: Arrays) -> Arrays:
    """``arrays`` with each sample's weight multiplied by the weight of its class.

    The class is the integer label (sparse losses), the position of the largest target
    (one-hot targets) or the rounded target (a single binary output).
    """
    if class_weight is None:
        return arrays
    labels = backend.to_numpy(arrays.targets)
    if loss.accuracy_kind == "sparse":
        labels = labels.reshape(len(labels))
    elif labels.ndim > 1 and labels.shape[-1] > 1:  # one-hot rows
        labels = labels.argmax(axis=-1).reshape(len(labels))
    else:  # a single binary output
        labels = labels.round().reshape(len(labels))
    weights = class_weight_to_sample_weight(class_weight, labels)
    if arrays.weights is not None:
        sample_weight = backend.to_numpy(arrays.weights)
        # Per-timestep sample weights: the class weight scales each sample's row.
        weights = weights.reshape((-1,) + (1,) * (sample_weight.ndim - 1)) * sample_weight
    return arrays._replace(weights=losses.prepare_sample_weight(weights, weights.shape, "class_weight"))
