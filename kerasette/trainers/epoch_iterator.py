"""EpochIterator: the batches of one pass over prepared arrays, as Keras 3's EpochIterator.

In order, a batch is a view of consecutive rows (no copy). Shuffled, a new permutation is
drawn from the seeded host generator at the start of every pass (under DataParallel,
rank 0's, so that every rank takes its rows of the same batches) and copied to the device
once; each batch's rows are then gathered on the device into buffers reused from batch
to batch, so a training step allocates nothing for its data.
"""

from __future__ import annotations

import math

from kerasette import backend
from kerasette.distribution.training_loop import shared_permutation
from kerasette.graph.structure import flatten, pack_as
from kerasette.trainers.data import Arrays


class EpochIterator:
    """Iterate ``(step, batch)`` over ``arrays`` in batches of ``batch_size``; the last may be shorter.

    Example:
    >>> iterator = EpochIterator(Arrays(np.arange(5.0)[:, None]), batch_size=2)
    >>> iterator.steps, [batch.features.ravel().tolist() for _, batch in iterator]
    (3, [[0.0, 1.0], [2.0, 3.0], [4.0]])
    """

    ran_out = False  # arrays never run out, unlike a generator (see data_adapters.Batches)

    def __init__(self, arrays: Arrays, batch_size: int, shuffle: bool = False):
        self.arrays = arrays
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = math.ceil(arrays.num_samples / batch_size)
        self._buffers: dict[tuple, object] = {}

    def __iter__(self):
        num_samples = self.arrays.num_samples
        order = backend.to_device(shared_permutation(num_samples)) if self.shuffle else None
        for step, start in enumerate(range(0, num_samples, self.batch_size)):
            stop = min(start + self.batch_size, num_samples)
            if order is None:
                yield step, self.arrays.rows(slice(start, stop))
            else:
                rows = order[start:stop]
                yield step, Arrays(*(self._gather(index, part, rows) for index, part in enumerate(self.arrays)))

    def out_of_data(self) -> bool:
        return False

    def _gather(self, index: int, part, indices):
        """The rows ``indices`` of every array of ``part`` (an array, or a structure of them)."""
        if not isinstance(part, (list, tuple, dict)):
            return self._gather_array((index, 0), part, indices)
        leaves = flatten(part)
        gathered = [self._gather_array((index, leaf), array, indices) for leaf, array in enumerate(leaves)]
        return pack_as(part, gathered)

    def _gather_array(self, key: tuple, array, indices):
        if array is None:
            return None
        if not backend.is_device_array(array):  # host data (strings) for a preprocessing first layer
            return array[backend.to_numpy(indices)]
        shape = (len(indices),) + tuple(array.shape[1:])
        key = (*key, shape)
        if key not in self._buffers:
            # One buffer per array and batch length: full batches and the shorter last one.
            self._buffers[key] = backend.xp.empty(shape, dtype=array.dtype)
        return backend.gather_rows(array, indices, self._buffers[key])
