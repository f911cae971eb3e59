"""PyDataset: batches produced by Python code, indexed, as ``keras.utils.PyDataset``.

Keras 2 called it ``Sequence``; both names are here. ``fit`` asks for ``dataset[i]``
for every index of an epoch (in a new random order each epoch when ``shuffle=True``)
and calls ``on_epoch_end`` after it, which is where a dataset reshuffles its samples.
"""

from __future__ import annotations


class PyDataset:
    """Base class of datasets that build their batches in Python, one index at a time.

    Subclasses implement ``__getitem__(index)``, returning a batch ``(x, y)`` or
    ``(x, y, sample_weight)`` (``x`` alone for ``predict``), and ``__len__``, the number
    of batches; without ``__len__`` the dataset is endless and ``fit`` needs
    ``steps_per_epoch``. Batches are read in the training process, one after another:
    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted for Keras's
    signature and kept, but kerasette runs no worker pool.

    Args:
        workers: Kept as ``self.workers``.
        use_multiprocessing: Kept as ``self.use_multiprocessing``.
        max_queue_size: Kept as ``self.max_queue_size``.

    Example:
    >>> import numpy as np
    >>> class Halves(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, index):
    ...         rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
    ...         return self.x[rows], self.y[rows]
    >>> dataset = Halves(np.zeros((5, 2)), np.zeros(5), batch_size=2)
    >>> len(dataset), dataset.num_batches, dataset[2][0].shape
    (3, 3, (1, 2))
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), returning one batch")

    @property
    def num_batches(self) -> int | None:
        """The number of batches, ``len(self)``; None for an endless dataset (no ``__len__``)."""
        if not hasattr(self, "__len__"):
            return None
        length = len(self)
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise ValueError(f"{type(self).__name__}.__len__: expected a number of batches >= 1; received {length!r}")
        return length

    def on_epoch_begin(self) -> None:
        """Called before the first batch of every epoch."""

    def on_epoch_end(self) -> None:
        """Called after the last batch of every epoch: the place to reshuffle samples."""


Sequence = PyDataset
"""Keras 2's name of :class:`PyDataset`."""
