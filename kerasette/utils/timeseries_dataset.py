"""``timeseries_dataset_from_array``: sliding windows over a timeseries, as a Dataset."""

from __future__ import annotations

import numpy as np

from kerasette.utils.dataset import Dataset
from kerasette.validation import check_bool, check_choice, check_int


def _optional_index(argument: str, value, length: int, low: int) -> int | None:
    """``start_index`` / ``end_index``: None, or an int in ``[low, length)``."""
    if value is None:
        return None
    value = check_int(argument, value, low)
    if value >= length:
        raise ValueError(f"{argument}: expected an index lower than the length of data ({length}); received {value}")
    return value


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    format: str = "tf",
) -> Dataset:
    """Windows of ``sequence_length`` steps over ``data`` (and the target of each window's
    first step), as ``keras.utils.timeseries_dataset_from_array``.

    Window ``i`` starts at ``start_index + i * sequence_stride`` and takes every
    ``sampling_rate``-th step; its target is ``targets[start_index + i * sequence_stride]``.

    Args:
        data: An array whose first axis is time.
        targets: An array of targets aligned with ``data`` (``targets[i]`` for the window
            starting at step ``i``), or None for windows alone.
        sequence_length: Steps per window.
        sequence_stride: Steps between the starts of consecutive windows.
        sampling_rate: Steps between the samples of one window.
        batch_size: Windows per batch; None for single windows.
        shuffle: Whether the windows come in a random order instead of in time order.
        seed: Seed of that order.
        start_index, end_index: Only steps ``start_index <= t < end_index`` are used.
        format: ``'tf'``: a Dataset with ``tf.data``'s methods (Keras's ``'grain'`` is refused).

    Returns:
        A :class:`~kerasette.utils.dataset.Dataset` of ``(windows, targets)`` batches (or
        windows alone), which ``fit`` takes.

    Keras checks the arguments lazily or not at all (a zero ``sequence_length``); here every
    argument is checked at once. With ``shuffle=True`` the windows are permuted once per
    seed, as Keras's first shuffle; Keras's second, per-batch ``tf.data`` shuffle is not
    reproduced, so the order differs from Keras's while the windows are the same.

    Example:
    >>> dataset = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, sequence_length=3,
    ...                                         sequence_stride=2, batch_size=2)
    >>> [(x.tolist(), y.tolist()) for x, y in dataset][0]
    ([[0, 1, 2], [2, 3, 4]], [0, 20])

    Reference: Keras ``keras.utils.timeseries_dataset_from_array``.
    """
    check_choice("format", format, ("tf",))
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"data: expected an array whose first axis is time; received a scalar {data!r}")
    length = len(data)
    sequence_length = check_int("sequence_length", sequence_length, 1)
    for argument, value in (("sequence_stride", sequence_stride), ("sampling_rate", sampling_rate)):
        if check_int(argument, value, 1) >= length:
            raise ValueError(f"{argument}: expected a value lower than the length of data ({length}); received {value}")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, 1)
    shuffle = check_bool("shuffle", shuffle)
    if seed is not None:
        seed = check_int("seed", seed, 0)
    start = _optional_index("start_index", start_index, length, 0) or 0
    end = _optional_index("end_index", end_index, length, 1) or length
    if end <= start:
        raise ValueError(f"end_index: expected a value higher than start_index ({start}); received {end}")
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise ValueError(f"targets: expected an array aligned with data's time axis; received a scalar {targets!r}")
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(starts)
    steps = np.arange(sequence_length) * sampling_rate

    def window(position):
        windows = data[start + position[..., None] + steps]
        return windows if targets is None else (windows, targets[start + position])

    positions = Dataset.from_tensor_slices(starts)
    if batch_size is None:
        return positions.map(window)
    return positions.batch(batch_size).map(window)
