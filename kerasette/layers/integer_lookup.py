"""IntegerLookup: integer categories to contiguous indices (or back, with ``invert``)."""

from __future__ import annotations

from kerasette.layers.index_lookup import IndexLookup
from kerasette.preprocessing import lookup
from kerasette.validation import check_choice


class IntegerLookup(IndexLookup):
    """Maps integers (e.g. ids with gaps) to contiguous indices, or encodes them as vectors.

    Args:
        max_tokens: The most indices (mask and OOV included) ``adapt`` keeps; None for all.
        num_oov_indices: How many indices out-of-vocabulary values share (``value mod
            num_oov_indices``, or hashed with ``oov_method='farmhash'``); 0 refuses them.
        mask_token: An integer mapped to index 0 (``output_mode='int'``) or counted nowhere.
        oov_token: The value ``invert`` gives OOV indices (Keras's default, -1).
        vocabulary: A list or 1-D array of integers.
        vocabulary_dtype: ``'int64'`` (Keras's default) or ``'int32'``.
        idf_weights, invert, output_mode, sparse, pad_to_max_tokens: as ``StringLookup``.
        oov_method: ``'floormod'`` (Keras's default) or ``'farmhash'``.
        salt: With ``oov_method='farmhash'``: None, or the SipHash key.

    Example:
    >>> IntegerLookup(vocabulary=[12, 36, 1138, 42])(np.array([[12, 1138, 42], [42, 1000, 36]])).tolist()
    [[1, 3, 4], [4, 0, 2]]

    Reference: Keras ``keras.layers.IntegerLookup``.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, **kwargs):  # fmt: skip
        self.vocabulary_dtype = check_choice("vocabulary_dtype", vocabulary_dtype, ("int64", "int32"))
        self.oov_method = check_choice("oov_method", oov_method, ("floormod", "farmhash"))
        if salt is not None and oov_method != "farmhash":
            raise ValueError(f"salt: only used with oov_method='farmhash'; received oov_method={oov_method!r}")
        for name, token in (("mask_token", mask_token), ("oov_token", oov_token)):
            if token is not None and (isinstance(token, bool) or not isinstance(token, int)):
                raise TypeError(f"{name}: expected None or an integer; received {token!r}")
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, salt, **kwargs)  # fmt: skip

    @property
    def input_dtype(self) -> str:
        return "int64" if self.invert else self.vocabulary_dtype

    def _tokens_of(self, values, argument: str):
        return lookup.as_integers(values, argument)

    def _oov_indices(self, tokens: list) -> list[int]:
        return lookup.oov_bins(tokens, self.num_oov_indices, self.oov_method == "floormod", self.salt)

    def _vocabulary_dtype(self):
        return self.vocabulary_dtype

    def get_config(self):
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype, "oov_method": self.oov_method}
