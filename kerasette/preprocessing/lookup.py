"""Host-side arithmetic of the lookup layers: counting tokens for ``adapt``, Keras's
vocabulary order, inverse document frequencies, looking tokens up, and encoding indices
as one-hot, multi-hot or count vectors.
"""

from __future__ import annotations

import collections
import math
import numbers

import numpy as np

from kerasette.preprocessing.fingerprint import fingerprint64, siphash64


class TokenCounts:
    """What ``adapt`` gathers: how often each token occurs, in how many documents, and how
    many documents there were (a document is one row of a batch)."""

    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self.document_counts: collections.Counter = collections.Counter()
        self.documents = 0

    def update(self, rows) -> None:
        for row in rows:
            tokens = row.tolist() if hasattr(row, "tolist") else list(row)
            self.counts.update(tokens)
            self.document_counts.update(set(tokens))
            self.documents += 1

    def ranked(self, excluded: tuple, limit: int | None) -> list:
        """The tokens by falling count, ties by falling token order (Keras's
        ``np.lexsort((tokens, counts))[::-1]``), without ``excluded``, at most ``limit``."""
        items = [(count, token) for token, count in self.counts.items() if token not in excluded]
        items.sort(reverse=True)
        return [token for _, token in items[:limit]]

    def inverse_document_frequencies(self, tokens: list) -> list[float]:
        """Keras's IDF: ``log(1 + documents / (1 + documents containing the token))``."""
        return [math.log(1 + self.documents / (1 + self.document_counts[token])) for token in tokens]


def as_integers(inputs, argument: str) -> np.ndarray:
    """``inputs`` as an int64 host array; whole-valued floats (a previous layer's output) are
    accepted, strings and fractions refused."""
    if type(inputs).__module__.startswith("cupy"):
        inputs = inputs.get()
    array = np.asarray(inputs)
    if array.dtype == object and all(isinstance(value, numbers.Number) for value in array.reshape(-1)):
        array = np.asarray(array.tolist())
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{argument}: expected integers; received an array of dtype {array.dtype}")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            bad = array[~np.isfinite(array) | (array != np.round(array))].reshape(-1)[0]
            raise ValueError(f"{argument}: expected whole numbers; received {bad}")
    return array.astype(np.int64)


def oov_bins(values: list, num_bins: int, integer_floormod: bool, salt) -> list[int]:
    """The OOV bin of each value: ``value mod num_bins`` for integers (Keras's default
    ``oov_method='floormod'``), else a FarmHash (SipHash with a salt) of its text."""
    if integer_floormod:
        return [int(value) % num_bins for value in values]
    return [hash_text(str(value), salt) % num_bins for value in values]


def hash_text(text: str, salt) -> int:
    data = text.encode("utf-8")
    return fingerprint64(data) if salt is None else siphash64(tuple(salt), data)


def look_up(values: np.ndarray, index: dict, default: int, mask=None, mask_value: int = 0) -> np.ndarray:
    """The index of each value (``default`` when absent; ``mask_value`` for ``mask``), same shape."""
    flat = values.reshape(-1).tolist()
    found = [index.get(value, default) for value in flat]
    if mask is not None:
        found = [mask_value if value == mask else position for value, position in zip(flat, found)]
    return np.asarray(found, dtype=np.int64).reshape(values.shape)


def invert(indices: np.ndarray, tokens: list, default, dtype) -> np.ndarray:
    """The token at each index (``default`` outside ``tokens``), same shape."""
    count = len(tokens)
    flat = [tokens[i] if 0 <= i < count else default for i in indices.reshape(-1).tolist()]
    result = np.empty(len(flat), dtype=dtype)
    result[:] = flat
    return result.reshape(indices.shape)


def encode(indices: np.ndarray, output_mode: str, depth: int, dtype="float32", weights=None) -> np.ndarray:
    """Indices as ``one_hot`` (a vector per index), or ``multi_hot``/``count`` (a vector per
    sample: the last axis is the sample's tokens), as Keras's ``encode_categorical_inputs``.

    Indices outside ``[0, depth)`` (Keras's dropped mask value) count nowhere. ``weights``
    (``count`` only) weigh each index's count.
    """
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices.reshape(indices.shape[:-1])
        encoded = np.zeros(indices.shape + (depth,), dtype=dtype)
        valid = (indices >= 0) & (indices < depth)
        np.put_along_axis(encoded, np.where(valid, indices, 0)[..., None], valid[..., None].astype(dtype), axis=-1)
        return encoded
    if indices.ndim > 2:
        raise ValueError(
            f"output_mode={output_mode!r} encodes samples of rank 1 or batches of rank 2; "
            f"received indices of shape {indices.shape}"
        )
    matrix = indices.reshape(1, -1) if indices.ndim == 1 else indices
    encoded = np.zeros((matrix.shape[0], depth), dtype=dtype)
    rows = np.broadcast_to(np.arange(matrix.shape[0])[:, None], matrix.shape)
    valid = (matrix >= 0) & (matrix < depth)
    amounts = 1 if weights is None else np.broadcast_to(np.asarray(weights).reshape(matrix.shape), matrix.shape)[valid]
    np.add.at(encoded, (rows[valid], matrix[valid]), amounts)
    if output_mode == "multi_hot":
        np.minimum(encoded, 1, out=encoded)
    return encoded.reshape(depth) if indices.ndim == 1 else encoded


def pad_rows(rows: list, length: int | None, fill: int) -> np.ndarray:
    """Ragged rows of indices as one int64 matrix of ``length`` columns (the longest row's
    length when None): short rows filled with ``fill`` at the end, long ones cut."""
    width = max((len(row) for row in rows), default=0) if length is None else length
    matrix = np.full((len(rows), width), fill, dtype=np.int64)
    for position, row in enumerate(rows):
        kept = row[:width]
        matrix[position, : len(kept)] = kept
    return matrix


def as_floats(values, argument: str) -> np.ndarray:
    """``values`` as a float host array (device arrays copied back); strings refused."""
    if type(values).__module__.startswith("cupy"):
        values = values.get()
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{argument}: expected numbers; received an array of dtype {array.dtype}")
    return array.astype(np.float64)


def check_indices(values: np.ndarray, depth: int, argument: str) -> None:
    """Every value in ``[0, depth)``."""
    outside = values[(values < 0) | (values >= depth)]
    if outside.size:
        raise ValueError(f"{argument}: expected values in [0, {depth}); received {int(outside.reshape(-1)[0])}")


def as_hashable(inputs, argument: str) -> np.ndarray:
    """Values to hash, as TensorFlow's ``as_string`` sees them: strings as they are, integers
    as int64 (floats truncated toward zero, as Keras casts them), booleans as 'true'/'false'."""
    from kerasette.preprocessing.text import as_strings

    if type(inputs).__module__.startswith("cupy"):
        inputs = inputs.get()
    array = np.asarray(inputs) if not isinstance(inputs, (list, tuple)) else np.asarray(inputs, dtype=object)
    if array.dtype.kind in "USO" and not (
        array.dtype.kind == "O" and all(isinstance(value, numbers.Integral) for value in array.reshape(-1))
    ):
        return as_strings(array, argument)
    array = np.asarray(array.tolist()) if array.dtype.kind == "O" else array
    if array.dtype.kind == "b":
        return np.where(array, "true", "false").astype(object)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{argument}: expected finite numbers; received NaN or infinity")
        return np.trunc(array).astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{argument}: expected strings or integers; received an array of dtype {array.dtype}")
    return array.astype(np.int64)


def index_array(indices: list, shape: tuple) -> np.ndarray:
    """A flat list of indices as an int64 array of ``shape``."""
    return np.asarray(indices, dtype=np.int64).reshape(shape)


def adapt_batches(data, steps, argument: str):
    """The batches ``adapt`` reads: an array or list is one batch whose elements (or rows)
    are documents; a Dataset or other iterable gives one batch per element."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1):
        raise ValueError(f"steps: expected None or an integer >= 1; received {steps!r}")
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"{argument}: expected an array or list of samples, or a dataset; received {data!r}")
    if type(data).__module__.startswith("cupy"):
        data = data.get()
    if isinstance(data, (list, tuple, np.ndarray)):
        array = np.asarray(data, dtype=object) if isinstance(data, (list, tuple)) else data
        if array.size == 0:
            raise ValueError(f"{argument}: expected at least one sample; received an empty array")
        yield array.reshape(-1, 1) if array.ndim == 1 else array
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(
            f"{argument}: expected an array or list of samples, or a dataset; received {type(data).__name__}"
        )
    for step, batch in enumerate(data):
        if steps is not None and step >= steps:
            return
        yield np.asarray(batch, dtype=object) if isinstance(batch, (list, tuple)) else np.asarray(batch)


def fit_last_axis(indices: np.ndarray, length: int) -> np.ndarray:
    """``indices`` cut or padded with 0 at the end of the last axis to ``length`` entries."""
    kept = indices[..., :length]
    padding = [(0, 0)] * (kept.ndim - 1) + [(0, length - kept.shape[-1])]
    return np.pad(kept, padding)
