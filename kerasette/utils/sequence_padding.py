"""``pad_sequences``: lists of varying length as one array, as ``keras.utils.pad_sequences``."""

from __future__ import annotations

import numpy as np

from kerasette.validation import check_choice, check_number


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0) -> np.ndarray:
    """Pad (and cut) sequences to one length: an array ``(len(sequences), maxlen, ...)``.

    Args:
        sequences: A list (or array) of sequences, each a list or array of numbers (or of
            equally shaped items).
        maxlen: The length of every row; the longest sequence's when None.
        dtype: The output dtype.
        padding: ``'pre'`` (Keras's default) puts ``value`` before each sequence, ``'post'`` after.
        truncating: ``'pre'`` drops the start of longer sequences, ``'post'`` their end.
        value: The padding value.

    Example:
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
    [[2, 3], [0, 4]]

    Reference: Keras ``keras.utils.pad_sequences``.
    """
    check_choice("padding", padding, ("pre", "post"))
    check_choice("truncating", truncating, ("pre", "post"))
    try:
        rows = [np.asarray(sequence) for sequence in sequences]
    except TypeError as error:
        raise ValueError(f"sequences: expected a list of sequences; received {type(sequences).__name__}") from error
    for index, row in enumerate(rows):
        if row.ndim == 0:
            raise ValueError(f"sequences: expected each sequence to be a list or array; sequence {index} is {row!r}")
    if maxlen is None:
        maxlen = max((len(row) for row in rows), default=0)
    else:
        maxlen = check_number("maxlen", maxlen, 1, integer=True)
    item_shape = next((row.shape[1:] for row in rows if len(row)), ())
    result = np.full((len(rows), maxlen) + item_shape, value, dtype=dtype)
    for index, row in enumerate(rows):
        if not len(row):
            continue
        if row.shape[1:] != item_shape:
            raise ValueError(
                f"sequences: sequence {index} has items of shape {row.shape[1:]}; expected {item_shape} as the others"
            )
        kept = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if padding == "post":
            result[index, : len(kept)] = kept
        else:
            result[index, maxlen - len(kept) :] = kept
    return result
