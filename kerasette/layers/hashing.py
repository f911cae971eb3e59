"""Hashing: strings or integers into a fixed number of bins, as Keras assigns them."""

from __future__ import annotations

import numbers

from kerasette import backend
from kerasette.layers.category_encoding import check_output_mode, encoded_shape, refuse_sparse
from kerasette.layers.preprocessing_layer import PreprocessingLayer
from kerasette.preprocessing import lookup
from kerasette.validation import check_int


def check_salt(salt) -> list[int] | None:
    """Keras's ``salt``: None, one integer (used twice) or two integers: the SipHash key."""
    if salt is None:
        return None
    pair = [salt, salt] if isinstance(salt, numbers.Integral) and not isinstance(salt, bool) else salt
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise ValueError(f"salt: expected None, an integer or two integers; received {salt!r}")
    return [check_int("salt", value, 0) for value in pair]


class Hashing(PreprocessingLayer):
    """Hashes each value into one of ``num_bins`` bins: FarmHash Fingerprint64 of its text
    modulo the bins (TensorFlow's ``to_hash_bucket_fast``), or SipHash-2-4 keyed by
    ``salt`` (``to_hash_bucket_strong``). Integers are hashed as their decimal text and
    floats are truncated to integers first, as Keras does, so bins equal Keras's exactly.

    Args:
        num_bins: The number of bins, including the mask bin when ``mask_value`` is set.
        mask_value: A value sent to bin 0; the others then go to bins ``1 .. num_bins - 1``.
        salt: None (FarmHash), or an integer or two integers keying SipHash.
        output_mode: ``'int'`` (bin indices), ``'one_hot'``, ``'multi_hot'`` or ``'count'``.
        sparse: Must be False: kerasette has no sparse tensors.

    Example:
    >>> Hashing(num_bins=3)(['A', 'B', 'C', 'D', 'E']).tolist()
    [1, 0, 1, 1, 2]
    >>> Hashing(num_bins=3, mask_value='')(['A', 'B', '', 'C', 'D']).tolist()
    [1, 1, 0, 2, 2]

    Reference: Keras ``keras.layers.Hashing``.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        kwargs.pop("dtype", None)  # Keras's int64 / floatx output dtype follows output_mode
        super().__init__(**kwargs)
        self.num_bins = check_int("num_bins", num_bins, 1)
        if mask_value is not None and not isinstance(mask_value, (str, numbers.Integral)):
            raise TypeError(f"mask_value: expected None, a string or an integer; received {mask_value!r}")
        self.mask_value = mask_value
        self.salt = check_salt(salt)
        self.output_mode = check_output_mode(output_mode, ("int", "one_hot", "multi_hot", "count"))
        refuse_sparse(sparse)

    def compute_output_shape(self, input_shape):
        return (
            tuple(input_shape)
            if self.output_mode == "int"
            else encoded_shape(input_shape, self.output_mode, self.num_bins)
        )

    def transform(self, inputs):
        values = lookup.as_hashable(inputs, f"Hashing layer '{self.name}': inputs")
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        bins = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 else self.num_bins
        flat = values.reshape(-1).tolist()
        hashed = [lookup.hash_text(str(value), self.salt) % bins for value in flat]
        if bins != self.num_bins:
            hashed = [0 if value == self.mask_value else bin_ + 1 for value, bin_ in zip(flat, hashed)]
        indices = lookup.index_array(hashed, values.shape)
        if self.output_mode == "int":
            return indices
        return lookup.encode(indices, self.output_mode, self.num_bins, backend.floatx())

    def get_config(self):
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": False,
            # Keras's dtype: its int64 indices or floatx vectors (read back, it is dropped)
            "dtype": "int64" if self.output_mode == "int" else backend.floatx(),
        }
