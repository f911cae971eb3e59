"""Dataset: a re-iterable pipeline of NumPy elements with the ``tf.data.Dataset`` methods
that Keras programs call (``map``, ``batch``, ``shuffle``, ``prefetch``, ``cache``, ...).

What :func:`~kerasette.utils.image_dataset_from_directory` and
:func:`~kerasette.utils.text_dataset_from_directory` return, and what ``fit``,
``evaluate`` and ``predict`` take directly. Each iteration runs the pipeline anew, so
each epoch re-reads (or, after ``cache()``, replays) its elements.

An element is a NumPy array, a Python scalar or string, or a tuple or dict of them; a
function given to ``map`` or ``filter`` receives a tuple's items as separate arguments,
as in ``tf.data``. Work runs in background threads where ``tf.data`` would run it in
parallel: ``map(..., num_parallel_calls=...)`` keeps that many calls in flight in a
shared thread pool (results stay in order, so a pipeline is deterministic given its
seeds), and ``prefetch`` reads ahead in a thread of its own, so that the next batch is
decoded while a training step runs. Image decoding (Pillow) and NumPy release the GIL,
so these threads use several cores.

Cardinality follows ``tf.data``: a number of elements, :data:`INFINITE` (-1) after
``repeat()``, or :data:`UNKNOWN` (-2) after ``filter`` or ``unbatch``; ``len()`` works
only for a known, finite one.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator

import numpy as np

from kerasette.validation import check_bool, check_int

AUTOTUNE = -1
"""``num_parallel_calls`` / ``buffer_size`` chosen by kerasette, as ``tf.data.AUTOTUNE``."""
INFINITE = -1
"""``cardinality()`` of an endless dataset, as ``tf.data.INFINITE_CARDINALITY``."""
UNKNOWN = -2
"""``cardinality()`` that cannot be known without iterating, as ``tf.data.UNKNOWN_CARDINALITY``."""

_END = object()
_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> concurrent.futures.ThreadPoolExecutor:
    """The thread pool that parallel ``map`` calls run in, one per process, made on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="kerasette-data")
        return _pool


def _parallel_calls(argument: str, value) -> int:
    if value == AUTOTUNE and not isinstance(value, bool):
        return 2 * (os.cpu_count() or 1)
    return check_int(argument, value, 1)


def _apply(function: Callable, element):
    """``function(*element)`` for a tuple element, ``function(element)`` otherwise (``tf.data``'s rule)."""
    return function(*element) if isinstance(element, tuple) else function(element)


def _stack(elements: list):
    """One batch from a list of elements of the same structure: arrays stacked on a new first axis."""
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([element[index] for element in elements]) for index in range(len(first)))
    if isinstance(first, dict):
        return {key: _stack([element[key] for element in elements]) for key in first}
    try:
        return np.stack([np.asarray(element) for element in elements])
    except ValueError as error:
        shapes = sorted({np.shape(element) for element in elements})
        raise ValueError(f"batch: elements of different shapes {shapes} cannot be stacked into one batch") from error


def _unstack(batch) -> list:
    """The elements of a batch along its first axis (the inverse of :func:`_stack`)."""
    if isinstance(batch, tuple):
        return list(zip(*(_unstack(part) for part in batch)))
    if isinstance(batch, dict):
        columns = {key: _unstack(value) for key, value in batch.items()}
        return [dict(zip(columns, row)) for row in zip(*columns.values())]
    array = np.asarray(batch)
    if array.ndim == 0:
        raise ValueError("unbatch: expected elements with a batch axis; received a scalar")
    return list(array)


def _slices(tensors) -> tuple[int, Callable]:
    """The number of slices of ``tensors`` along their first axis, and a function giving slice ``i``."""
    if isinstance(tensors, tuple):
        parts = [_slices(part) for part in tensors]
        lengths = {length for length, _ in parts}
        if len(lengths) > 1:
            raise ValueError(f"tensors: expected parts with the same first dimension; received {sorted(lengths)}")
        return parts[0][0], lambda index: tuple(part(index) for _, part in parts)
    if isinstance(tensors, dict):
        parts = {key: _slices(value) for key, value in tensors.items()}
        lengths = {length for length, _ in parts.values()}
        if len(lengths) > 1:
            raise ValueError(f"tensors: expected values with the same first dimension; received {sorted(lengths)}")
        return next(iter(lengths)), lambda index: {key: part(index) for key, (_, part) in parts.items()}
    array = np.asarray(tensors)
    if array.ndim == 0:
        raise ValueError(f"tensors: expected arrays with a first axis to slice; received a scalar {tensors!r}")
    return len(array), array.__getitem__


class Dataset:
    """A re-iterable sequence of elements, built by chaining ``tf.data``-style methods.

    Make one with :meth:`from_tensor_slices`, or get one from
    :func:`~kerasette.utils.image_dataset_from_directory`; each method returns a new
    dataset and leaves this one as it is.

    Args:
        make_iterator: Returns a fresh iterator over the elements, once per iteration.
        cardinality: The number of elements, :data:`INFINITE` or :data:`UNKNOWN`.

    Example:
    >>> import numpy as np
    >>> dataset = Dataset.from_tensor_slices((np.arange(6.0), np.arange(6) % 2))
    >>> dataset = dataset.map(lambda x, y: (x * 10, y)).batch(4)
    >>> [x.tolist() for x, y in dataset], len(dataset)
    ([[0.0, 10.0, 20.0, 30.0], [40.0, 50.0]], 2)
    """

    def __init__(self, make_iterator: Callable[[], Iterator], cardinality: int):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)

    @classmethod
    def from_tensor_slices(cls, tensors) -> Dataset:
        """One element per row of ``tensors`` (an array, or a tuple or dict of arrays of one length).

        >>> [int(x) for x in Dataset.from_tensor_slices(np.array([3, 1, 2]))]
        [3, 1, 2]
        """
        length, element = _slices(tensors)
        return cls(lambda: map(element, range(length)), length)

    @classmethod
    def from_elements(cls, elements) -> Dataset:
        """One element per item of the sequence ``elements`` (kept as given, not sliced)."""
        elements = list(elements)
        return cls(lambda: iter(elements), len(elements))

    def __iter__(self) -> Iterator:
        return iter(self._make_iterator())

    def as_numpy_iterator(self) -> Iterator:
        """An iterator over the elements; they are NumPy already, so this is ``iter(self)``."""
        return iter(self)

    def cardinality(self) -> int:
        """The number of elements; :data:`INFINITE` (-1) or :data:`UNKNOWN` (-2) as ``tf.data``."""
        return self._cardinality

    def __len__(self) -> int:
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite (after repeat()); it has no len()")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown (after filter() or unbatch()); it has no len()")
        return self._cardinality

    def __repr__(self) -> str:
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(self._cardinality, self._cardinality)
        return f"<{type(self).__name__} cardinality={size}>"

    # -- transformations ------------------------------------------------------------------
    def map(self, map_func: Callable, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """Each element through ``map_func``; with ``num_parallel_calls``, that many calls run
        at once in background threads (results in order whatever ``deterministic`` says)."""
        if not callable(map_func):
            raise TypeError(f"map_func: expected a function; received {map_func!r}")
        source = self._make_iterator
        if num_parallel_calls is None:
            return Dataset(lambda: (_apply(map_func, element) for element in source()), self._cardinality)
        window = _parallel_calls("num_parallel_calls", num_parallel_calls)

        def parallel():
            pool, pending = _shared_pool(), collections.deque()
            try:
                for element in source():
                    pending.append(pool.submit(_apply, map_func, element))
                    if len(pending) >= window:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()

        return Dataset(parallel, self._cardinality)

    def filter(self, predicate: Callable, name=None) -> Dataset:
        """The elements for which ``predicate`` is true; the cardinality becomes unknown."""
        if not callable(predicate):
            raise TypeError(f"predicate: expected a function; received {predicate!r}")
        source = self._make_iterator
        return Dataset(lambda: (e for e in source() if bool(_apply(predicate, e))), UNKNOWN)

    def batch(
        self, batch_size: int, drop_remainder: bool = False, num_parallel_calls=None, deterministic=None, name=None
    ):
        """Consecutive elements stacked into batches of ``batch_size`` (the last may be smaller)."""
        batch_size = check_int("batch_size", batch_size, 1)
        drop_remainder = check_bool("drop_remainder", drop_remainder)
        source = self._make_iterator

        def batches():
            iterator = source()
            while True:
                elements = list(itertools.islice(iterator, batch_size))
                if not elements or (drop_remainder and len(elements) < batch_size):
                    return
                yield _stack(elements)

        size = self._cardinality
        if size >= 0:
            size = size // batch_size if drop_remainder else math.ceil(size / batch_size)
        return Dataset(batches, size)

    def unbatch(self, name=None) -> Dataset:
        """The elements of each batch, one by one; the cardinality becomes unknown, as in ``tf.data``."""
        source = self._make_iterator
        return Dataset(lambda: (e for batch in source() for e in _unstack(batch)), UNKNOWN)

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True, name=None):
        """Elements drawn at random from a buffer of the next ``buffer_size``, as ``tf.data``.

        With ``seed``, the orders are the same from run to run; with
        ``reshuffle_each_iteration`` each iteration (epoch) draws a new one.
        """
        buffer_size = check_int("buffer_size", buffer_size, 1)
        reshuffle_each_iteration = check_bool("reshuffle_each_iteration", reshuffle_each_iteration)
        if seed is None:
            seed = int(np.random.randint(2**31))  # seeded by utils.set_random_seed, as in Keras
        seed = check_int("seed", seed, 0)
        source, iterations = self._make_iterator, itertools.count()

        def shuffled():
            rng = np.random.default_rng([seed, next(iterations) if reshuffle_each_iteration else 0])
            buffer = []
            for element in source():
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                index = int(rng.integers(buffer_size))
                yield buffer[index]
                buffer[index] = element
            for index in rng.permutation(len(buffer)):
                yield buffer[index]

        return Dataset(shuffled, self._cardinality)

    def prefetch(self, buffer_size, name=None) -> Dataset:
        """Reads up to ``buffer_size`` elements ahead in a background thread."""
        size = (
            2
            if buffer_size == AUTOTUNE and not isinstance(buffer_size, bool)
            else check_int("buffer_size", buffer_size, 0)
        )
        source = self._make_iterator
        if size == 0:
            return Dataset(source, self._cardinality)

        def ahead():
            iterator = source()
            reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kerasette-prefetch")
            pending = collections.deque()
            try:
                while True:
                    while len(pending) < size:
                        pending.append(reader.submit(next, iterator, _END))
                    element = pending.popleft().result()
                    if element is _END:
                        return
                    yield element
            finally:
                # The reader may be inside next(iterator): let it finish before closing the iterator.
                reader.shutdown(wait=True, cancel_futures=True)
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()

        return Dataset(ahead, self._cardinality)

    def cache(self, filename: str = "", name=None) -> Dataset:
        """Keeps the elements of the first complete iteration in memory and replays them after.

        Only the in-memory cache is supported: a ``filename`` is refused.
        """
        if filename:
            raise ValueError(f"filename: kerasette caches in memory only; expected '' (received {filename!r})")
        source, stored = self._make_iterator, []

        def cached():
            if stored:
                yield from stored[0]
                return
            elements = []
            for element in source():
                elements.append(element)
                yield element
            stored.append(elements)  # only a complete iteration fills the cache, as in tf.data

        return Dataset(cached, self._cardinality)

    def take(self, count: int, name=None) -> Dataset:
        """The first ``count`` elements (all of them for -1)."""
        count = self._count("count", count)
        if count == -1:
            return self
        source = self._make_iterator
        size = {INFINITE: count, UNKNOWN: UNKNOWN}.get(self._cardinality, min(count, self._cardinality))
        return Dataset(lambda: itertools.islice(source(), count), size)

    def skip(self, count: int, name=None) -> Dataset:
        """All but the first ``count`` elements (none for -1)."""
        count = self._count("count", count)
        source = self._make_iterator
        if count == -1:
            return Dataset(lambda: iter(()), 0)
        size = max(self._cardinality - count, 0) if self._cardinality >= 0 else self._cardinality
        return Dataset(lambda: itertools.islice(source(), count, None), size)

    def repeat(self, count: int | None = None, name=None) -> Dataset:
        """The elements ``count`` times over (endlessly for None or -1), each time iterated anew."""
        count = -1 if count is None else self._count("count", count)
        source = self._make_iterator
        if count == -1:
            return Dataset(lambda: (element for _ in itertools.count() for element in source()), INFINITE)
        size = self._cardinality * count if self._cardinality >= 0 else self._cardinality
        return Dataset(lambda: (element for _ in range(count) for element in source()), size)

    @staticmethod
    def _count(argument: str, value) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < -1:
            raise ValueError(f"{argument}: expected an integer >= 0, or -1 for all; received {value!r}")
        return int(value)
