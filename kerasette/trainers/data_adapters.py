"""Batches from Python code, and ``steps_per_epoch`` / ``steps`` over arrays, with Keras 3's rules.

Three kinds of source give batches: a PyDataset (indexed), a generator (any iterator, read
once), and a re-iterable that ``iter()`` starts again each epoch (a kerasette ``Dataset``,
a ``torch.utils.data.DataLoader``, a ``tf.data.Dataset`` through ``as_numpy_iterator()``),
whose pass is ``len()`` batches long where defined, else ends when the pass does. A batch
is ``x``, ``(x, y)`` or ``(x, y, sample_weight)``; a dict is ``x`` (inputs by name, as in
Keras; a one-input model takes a one-entry dict); torch tensors become NumPy via ``.numpy()``.

Arrays without ``steps`` keep the plain :class:`EpochIterator`, so the array fast path
does no extra work per step. Everything else goes through :class:`Batches`, which follows
Keras 3's ``EpochIterator``:

- With ``steps_per_epoch`` smaller than a pass over the data, the next epoch carries on
  with the same pass where the last one stopped; an epoch that reaches the end of the
  pass ends there (short), and the next epoch starts a new pass (reshuffled).
- A generator is read once: each epoch takes ``steps_per_epoch`` batches from where the
  last one stopped; without ``steps_per_epoch`` one epoch reads it to its end.

Where Keras is lax, kerasette refuses or stops instead:

- ``steps_per_epoch`` (or ``steps``, ``validation_steps``) larger than a pass over arrays
  or a sized PyDataset is refused; Keras warns every epoch and runs short epochs.
- A generator without ``steps_per_epoch`` for more than one epoch is refused; Keras's
  second epoch replays the two batches it peeked at and ends.
- A generator that runs out during training gives Keras's warning, ends the epoch under
  way and stops training; Keras goes on with later epochs on replayed batches.
- ``batch_size``, ``y`` and ``sample_weight`` are refused with a generator or a PyDataset,
  whose batches carry them (Keras ignores ``batch_size``).

Each batch from Python code is checked as arrays are (dtype, shape against the model,
finiteness, labels against the loss) before the step that uses it, so a bad batch changes
no weight, and the message names the batch.
"""

from __future__ import annotations

import collections.abc
import itertools
import math
import warnings

from kerasette import backend
from kerasette.graph.structure import flatten, pack_as
from kerasette.layers import layer_call
from kerasette.ops import tape
from kerasette.trainers import data
from kerasette.trainers.epoch_iterator import EpochIterator
from kerasette.utils.py_dataset import PyDataset
from kerasette.validation import check_int

RAN_OUT_WARNING = (
    "Your input ran out of data; interrupting training. Make sure that your dataset or generator "
    "can generate at least `steps_per_epoch * epochs` batches."
)
_END = object()


def is_reiterable(x) -> bool:
    """Whether ``x`` is a re-iterable of batches: iterable, not an iterator, and not array data
    (arrays and tensors, which have a ``shape``; lists, tuples and dicts of arrays; ranges; strings)."""
    return (
        isinstance(x, collections.abc.Iterable)
        and not isinstance(x, (collections.abc.Iterator, list, tuple, dict, range, str, bytes))
        and not hasattr(x, "shape")
        and not hasattr(x, "__array__")
    )


def is_batch_source(x) -> bool:
    """Whether ``x`` gives batches itself: a generator (any iterator), a PyDataset or a re-iterable."""
    return isinstance(x, (PyDataset, collections.abc.Iterator)) or is_reiterable(x)


def to_numpy(value):
    """``value`` with tensors of other libraries (torch, TensorFlow) made NumPy, through tuples, lists and dicts."""
    if isinstance(value, (tuple, list)):
        return type(value)(to_numpy(item) for item in value)
    if isinstance(value, dict):
        return {key: to_numpy(item) for key, item in value.items()}
    if backend.is_device_array(value) or not callable(getattr(value, "numpy", None)):
        return value
    if callable(getattr(value, "detach", None)):  # a torch tensor: off the autograd graph and the GPU first
        value = value.detach().cpu()
    return value.numpy()


def batch_size_for(batch_size, num_samples: int, steps: int | None) -> int:
    """Keras's batch size for arrays: as given, else enough for ``steps`` batches per pass, else 32.

    >>> batch_size_for(None, 10, 3), batch_size_for(None, 10, None), batch_size_for(4, 10, 3)
    (4, 32, 4)
    """
    if batch_size is not None:
        return check_int("batch_size", batch_size, 1)
    return math.ceil(num_samples / steps) if steps else 32


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__} of shape {tuple(shape)}" if shape is not None else repr(value)


def unpack(raw, where: str) -> tuple:
    """``(x, y, sample_weight)`` from a batch ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(raw, list):
        raw = tuple(raw)
    if not isinstance(raw, tuple):
        raw = (raw,)
    if not 1 <= len(raw) <= 3:
        raise ValueError(f"{where}: expected a batch x, (x, y) or (x, y, sample_weight); received {len(raw)} items")
    features, targets, weights = raw + (None,) * (3 - len(raw))
    return _single_input(features, where), targets, weights


def _single_input(features, where: str):
    """A dict of inputs by name reduced to the one input a Sequential model has."""
    if not isinstance(features, dict):
        return features
    if len(features) != 1:
        raise ValueError(
            f"{where}: a dict batch is x, the model's inputs by name (as in Keras); this model has one input, "
            f"so expected a dict of one entry; received keys {sorted(features)}. Give (x, y) tuples instead "
            "(for a dict of columns, map each batch to (batch['image'], batch['label']))"
        )
    return next(iter(features.values()))


class Batches:
    """``(step, batch)`` for one epoch per iteration, drawn from passes over a source.

    Args:
        new_pass: Returns an iterator of ``(index, item)`` over one pass of the source.
        pass_length: Items in a pass; None when unknown (a generator, an endless PyDataset).
        steps_per_epoch: Steps an epoch takes; None for a whole pass.
        prepare: ``prepare(index, item)`` -> checked :class:`~kerasette.trainers.data.Arrays`.
        label: What the batches are, for messages (``'x'``, ``'validation_data'``).
        dataset: The PyDataset whose ``on_epoch_begin``/``on_epoch_end`` are called.
        read_once: Whether a second pass is what is left of the first (a generator).

    Attributes:
        steps: Steps per epoch for callbacks; None when unknown until the end.
        ran_out: Whether a generator ran out before ``steps_per_epoch`` was reached.
    """

    def __init__(self, new_pass, pass_length, steps_per_epoch, prepare, label, dataset=None, read_once=False):
        self._new_pass, self.pass_length, self.steps_per_epoch = new_pass, pass_length, steps_per_epoch
        self._prepare, self.label, self._dataset, self._read_once = prepare, label, dataset, read_once
        self.steps = steps_per_epoch or pass_length
        self.ran_out = False
        self._current = None
        self._seen = 0
        self._lookahead: list = []

    def first(self):
        """Read and check the first batch, building an unbuilt model before training starts.

        A generator's first batch is kept for the first step; a PyDataset's is read again.
        """
        self._current = self._new_pass()
        item = next(self._current, _END)
        if item is _END:
            kind = "the generator yielded" if self._read_once else "its first pass gave"
            raise ValueError(f"{self.label}: expected at least one batch; {kind} none")
        self._prepare(*item)
        if self._read_once:
            self._lookahead.append(item)
        else:
            self._current = None

    def _next_item(self):
        return self._lookahead.pop() if self._lookahead else next(self._current, _END)

    def out_of_data(self) -> bool:
        """Whether a source read across epochs (a generator, or a pass of unknown length with
        ``steps_per_epoch``) has no batch left for another epoch (warns as Keras, once)."""
        if self.ran_out:
            return True
        continues = self._read_once or (self.pass_length is None and self.steps_per_epoch is not None)
        if continues and self._current is not None and not self._lookahead:
            item = next(self._current, _END)
            if item is _END:
                self.ran_out = True
                warnings.warn(RAN_OUT_WARNING, stacklevel=3)
                return True
            self._lookahead.append(item)
        return False

    def __iter__(self):
        if self._dataset is not None:
            self._dataset.on_epoch_begin()
        if self._current is None or (self.steps_per_epoch is None and not self._read_once):
            self._current, self._seen = self._new_pass(), 0
        limit = self.steps_per_epoch or self.pass_length
        step = 0
        while limit is None or step < limit:
            if self.pass_length is not None and self._seen >= self.pass_length:
                break  # the end of the pass ends the epoch, as in Keras
            item = self._next_item()
            if item is _END:
                self._end_of_generator(step)
                break
            self._seen += 1
            yield step, self._prepare(*item)
            step += 1
        if self.pass_length is not None and self._seen >= self.pass_length:
            self._current = None
        if self._dataset is not None:
            self._dataset.on_epoch_end()

    def _end_of_generator(self, step: int) -> None:
        if step == 0:
            raise ValueError(f"{self.label}: the generator ran out of data before the first batch of this pass")
        if self.steps_per_epoch is not None:
            self.ran_out = True
            warnings.warn(RAN_OUT_WARNING, stacklevel=4)


def _check_steps(argument: str, steps, pass_length: int | None, what: str) -> int | None:
    if steps is None:
        return None
    steps = check_int(argument, steps, 1)
    if pass_length is not None and steps > pass_length:
        raise ValueError(
            f"{argument}: {what} gives {pass_length} batches per pass; received {steps} "
            "(Keras would warn and run short epochs)"
        )
    return steps


def array_batches(arrays: data.Arrays, batch_size: int, shuffle: bool, steps, argument: str):
    """The batches of prepared arrays: a plain EpochIterator, or :class:`Batches` with ``steps``."""
    iterator = EpochIterator(arrays, batch_size, shuffle)
    steps = _check_steps(argument, steps, iterator.steps, f"x ({arrays.num_samples} samples, batch_size={batch_size})")
    if steps is None:
        return iterator
    return Batches(lambda: iter(iterator), iterator.steps, steps, lambda step, batch: batch, "x")


def source_batches(model, x, *, purpose: str, label: str, steps, steps_argument: str, epochs: int = 1, **arguments):
    """:class:`Batches` over a generator or PyDataset ``x``, its first batch read and checked.

    Args:
        model: The model (its ``_prepare`` checks each batch and builds the model).
        purpose: ``'fit'``, ``'evaluate'`` or ``'predict'``: whether targets are needed.
        label: ``'x'`` or ``'validation_data'``, for messages.
        steps: ``steps_per_epoch``, ``validation_steps`` or ``steps``, named by ``steps_argument``.
        epochs: How many times the batches are iterated (epochs, or validation runs).
        **arguments: ``y``, ``sample_weight``, ``batch_size``, ``validation_split``,
            ``validation_batch_size`` (all refused when not None or 0), ``class_weight``, ``shuffle``.
    """
    if isinstance(x, PyDataset):
        kind = f"a PyDataset ({type(x).__name__})"
    else:
        kind = "a generator" if isinstance(x, collections.abc.Iterator) else f"a dataset ({type(x).__name__})"
    for name in ("y", "sample_weight", "batch_size", "validation_split", "validation_batch_size"):
        value = arguments.get(name)
        if value is not None and not (name == "validation_split" and value == 0):
            raise ValueError(
                f"{name}: {label} is {kind}, whose batches set the samples, targets and weights; "
                f"do not pass {name} (received {_describe(value)})"
            )
    class_weight, shuffle = arguments.get("class_weight"), arguments.get("shuffle", False)

    def prepare(index, item):
        where = f"{label}: batch {index}" + (f" ({type(x).__name__}[{index}])" if isinstance(x, PyDataset) else "")
        features, targets, weights = unpack(to_numpy(item), where)
        if purpose == "predict":
            return model._prepare(features, prefix=f"{where}: ")
        if targets is None:
            raise ValueError(f"{where}: expected (x, y) or (x, y, sample_weight) to {purpose} on; received x alone")
        arrays = model._prepare(features, targets, weights, prefix=f"{where}: ")
        return data.apply_class_weight(model.loss, class_weight, arrays)

    if isinstance(x, PyDataset):
        pass_length = x.num_batches
        steps = _check_steps(steps_argument, steps, pass_length, f"{label} ({type(x).__name__}, len {pass_length})")
        if pass_length is None and steps is None:
            raise ValueError(f"{steps_argument}: required when {label} is a PyDataset without __len__ (endless)")

        def new_pass():
            if pass_length is None:
                indices = itertools.count()
            elif shuffle:
                indices = backend.host_rng().permutation(pass_length).tolist()
            else:
                indices = range(pass_length)
            return ((index, x[index]) for index in indices)

        batches = Batches(new_pass, pass_length, steps, prepare, label, dataset=x)
    elif is_reiterable(x):
        pass_length = _pass_length(x)
        steps = _check_steps(steps_argument, steps, pass_length, f"{label} ({type(x).__name__}, len {pass_length})")
        if steps is None and _is_endless(x):
            raise ValueError(f"{steps_argument}: required when {label} is endless ({type(x).__name__} after repeat())")
        read = getattr(x, "as_numpy_iterator", None)
        batches = Batches(lambda: enumerate(read() if callable(read) else iter(x)), pass_length, steps, prepare, label)
    else:
        steps = None if steps is None else check_int(steps_argument, steps, 1)
        if steps is None and epochs > 1:
            raise ValueError(
                f"{steps_argument}: required when {label} is a generator read {epochs} times "
                "(a generator is read once; each epoch takes that many batches from it); received None"
            )
        numbered = enumerate(x)
        batches = Batches(lambda: numbered, None, steps, prepare, label, read_once=True)
    batches.first()
    return batches


def _pass_length(x) -> int | None:
    """``len(x)``, or None where it raises TypeError (tf.data and kerasette datasets of unknown or
    infinite length, iterable-style DataLoaders)."""
    try:
        return check_int(f"len({type(x).__name__})", len(x), 0)
    except TypeError:
        return None


def _is_endless(x) -> bool:
    """Whether ``x.cardinality()`` is -1 (infinite), as tf.data and kerasette datasets say after repeat()."""
    cardinality = getattr(x, "cardinality", None)
    return callable(cardinality) and int(cardinality()) == -1


def predict_batches(model, batches, callback_list) -> object:
    """Outputs of every batch of ``batches``, joined, as NumPy arrays in the model's output
    structure (a pass of unknown length)."""
    outputs, structure = [], None
    callback_list.call("on_predict_begin", None)
    for step, batch in batches:
        callback_list.call("on_predict_batch_begin", step, None)
        with layer_call.reusing_states():
            structure = model.predict_step(batch.features)  # an array, or a list or dict of them
            outputs.append([tape.unwrap(leaf).copy() for leaf in flatten(structure)])
        callback_list.call("on_predict_batch_end", step, None)
    callback_list.call("on_predict_end", None)
    if not outputs:  # an empty array of the output's shape (a model of several outputs: refused)
        if not all(size is None or isinstance(size, int) for size in model.output_shape):
            raise ValueError("x: the generator or PyDataset gave no batches to predict")
        return backend.to_numpy(backend.xp.empty((0, *model.output_shape[1:]), dtype=backend.floatx()))
    joined = [backend.to_numpy(backend.xp.concatenate(parts, axis=0)) for parts in zip(*outputs)]
    return pack_as(structure, joined)


def fit_batches(
    model, x, y, sample_weight, class_weight, batch_size, shuffle, epochs, steps_per_epoch, split, validation
):
    """The training batches of ``fit`` and what validates them (arrays, or a generator/PyDataset)."""
    if is_batch_source(x):
        batches = source_batches(
            model, x, purpose="fit", label="x", steps=steps_per_epoch, steps_argument="steps_per_epoch",
            epochs=epochs, y=y, sample_weight=sample_weight, batch_size=batch_size, validation_split=split,
            class_weight=class_weight, shuffle=shuffle,
        )  # fmt: skip
        if validation is not None and not is_batch_source(validation):
            validation = model._prepare_validation_data(validation)
        return batches, validation
    if y is None and model.needs_targets("train"):
        raise ValueError("fit: y is required (targets for x); received None")
    if steps_per_epoch is not None:
        steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, 1)
    training = model._prepare(x, y, sample_weight)
    if split:
        training, validation = data.split_validation(training, split)
    elif validation is not None and not is_batch_source(validation):
        validation = model._prepare_validation_data(validation)
    # As in Keras, class weights weigh the training samples, not the validation ones.
    training = data.apply_class_weight(model.loss, class_weight, training)
    size = batch_size_for(batch_size, training.num_samples, steps_per_epoch)
    return array_batches(training, size, shuffle, steps_per_epoch, "steps_per_epoch"), validation


def validation_batches(model, validation, batch_size, validation_batch_size, steps, epochs, initial_epoch, freq):
    """The batches ``fit`` validates on, made once: Keras 3 keeps one evaluation iterator for all epochs."""
    runs = sum(1 for epoch in range(initial_epoch, epochs) if (epoch + 1) % freq == 0)
    if is_batch_source(validation):
        return source_batches(
            model, validation, purpose="evaluate", label="validation_data", steps=steps,
            steps_argument="validation_steps", epochs=runs, validation_batch_size=validation_batch_size,
        )  # fmt: skip
    if validation_batch_size is not None:
        check_int("validation_batch_size", validation_batch_size, 1)
    size = batch_size_for(validation_batch_size or batch_size, validation.num_samples, steps)
    return array_batches(validation, size, False, steps, "validation_steps")


def evaluation_batches(model, x, y, sample_weight, batch_size, steps, purpose: str):
    """The batches of ``evaluate`` or ``predict``: arrays (``steps`` batches of them when given) or a source."""
    if is_batch_source(x):
        return source_batches(
            model, x, purpose=purpose, label="x", steps=steps, steps_argument="steps",
            y=y, sample_weight=sample_weight, batch_size=batch_size,
        )  # fmt: skip
    if purpose == "evaluate" and y is None and model.needs_targets("test"):
        raise ValueError("evaluate: y is required (targets for x); received None")
    if steps is not None:
        steps = check_int("steps", steps, 1)
    arrays = model._prepare(x, y, sample_weight) if purpose == "evaluate" else model._prepare(x)
    return array_batches(arrays, batch_size_for(batch_size, arrays.num_samples, steps), False, steps, "steps")
