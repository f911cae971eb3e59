"""``pad_sequences``: a list of sequences of different lengths as one 2-D (or more) array."""

from __future__ import annotations

import numpy as np

from kerasette.validation import check_choice, check_int


def _sequence_lengths(sequences) -> tuple[list[int], tuple]:
    """Each sequence's length, and the shape of one step (from the first non-empty sequence)."""
    lengths, step_shape = [], None
    for index, sequence in enumerate(sequences):
        if isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__len__"):
            raise ValueError(
                f"pad_sequences: sequences[{index}]: expected a sequence (list or array) of values; "
                f"received {type(sequence).__name__} {sequence!r}"
            )
        lengths.append(len(sequence))
        if step_shape is None and len(sequence):
            step_shape = np.asarray(sequence).shape[1:]
    return lengths, step_shape or ()


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0) -> np.ndarray:
    """Pad (or truncate) sequences to one length, as ``keras.utils.pad_sequences``.

    Args:
        sequences: A list (or other sized iterable) of sequences, each a list or array of
            values (or of equally shaped steps).
        maxlen: The length of the result; the longest sequence's length when None.
        dtype: dtype of the result; ``object`` (or a string dtype) to pad strings.
        padding: ``'pre'`` or ``'post'``: where shorter sequences get ``value``.
        truncating: ``'pre'`` or ``'post'``: where longer sequences lose values.
        value: The padding value (a number, or a string with ``dtype=object``).

    Returns:
        A NumPy array of shape ``(len(sequences), maxlen, *step_shape)``.

    Unlike Keras, ``padding`` and ``truncating`` are checked before anything else (Keras
    checks them only when a sequence needs them) and a negative ``maxlen`` is refused.

    Example:
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3]], padding='post', value=-1)
    array([[ 1, -1],
           [ 2,  3]], dtype=int32)

    Reference: Keras ``keras.utils.pad_sequences``.
    """
    check_choice("padding", padding, ("pre", "post"))
    check_choice("truncating", truncating, ("pre", "post"))
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: sequences: expected a list of sequences; received {type(sequences).__name__}")
    if maxlen is not None:
        maxlen = check_int("maxlen", maxlen, 0)
    lengths, step_shape = _sequence_lengths(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"pad_sequences: dtype: expected a NumPy dtype such as 'int32'; received {dtype!r}") from None
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(
            f"pad_sequences: value: the string {value!r} does not fit dtype {dtype}; "
            "pass dtype=object to pad sequences of strings"
        )
    padded = np.full((len(lengths), maxlen) + step_shape, value, dtype=dtype)
    for index, (sequence, length) in enumerate(zip(sequences, lengths)):
        if not length or not maxlen:
            continue
        kept = np.asarray(sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen], dtype=dtype)
        if kept.shape[1:] != step_shape:
            raise ValueError(
                f"pad_sequences: sequences[{index}] has steps of shape {kept.shape[1:]}; expected {step_shape} "
                "(the shape of the first non-empty sequence's steps)"
            )
        if padding == "post":
            padded[index, : len(kept)] = kept
        else:
            padded[index, -len(kept) :] = kept
    return padded
