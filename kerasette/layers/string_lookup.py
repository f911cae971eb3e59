"""StringLookup: strings to indices through a vocabulary (or back, with ``invert``)."""

from __future__ import annotations

from kerasette.layers.index_lookup import IndexLookup
from kerasette.preprocessing import lookup, text
from kerasette.validation import check_choice


class StringLookup(IndexLookup):
    """Maps strings to integer indices, or encodes them as vectors over the vocabulary.

    Args:
        max_tokens: The most indices (mask and OOV included) ``adapt`` keeps; None for all.
        num_oov_indices: How many indices out-of-vocabulary strings share (hashed among them
            by FarmHash, as Keras); 0 refuses them.
        mask_token: A string mapped to index 0 (``output_mode='int'``) or counted nowhere.
        oov_token: The string ``get_vocabulary`` and ``invert`` give OOV indices.
        vocabulary: A list or 1-D array of strings (the mask and OOV tokens may lead it).
        idf_weights: With ``output_mode='tf_idf'`` and a vocabulary: a weight per token.
        invert: Map indices back to strings.
        output_mode: ``'int'``, ``'one_hot'``, ``'multi_hot'``, ``'count'`` or ``'tf_idf'``.
        pad_to_max_tokens: Vectors of ``max_tokens`` entries whatever the vocabulary's size.
        sparse: Must be False: kerasette has no sparse tensors.
        encoding: Must be 'utf-8' (how bytes inputs are decoded).
        salt: None, or the SipHash key used instead of FarmHash for OOV bins.

    Example:
    >>> layer = StringLookup(vocabulary=['a', 'b', 'c'])
    >>> layer(np.array([['a', 'c'], ['d', 'b']])).tolist()
    [[1, 3], [0, 2]]
    >>> StringLookup(vocabulary=['a', 'b', 'c'], invert=True)(np.array([[1, 3], [0, 2]])).tolist()
    [['a', 'c'], ['[UNK]', 'b']]

    Reference: Keras ``keras.layers.StringLookup``.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", salt=None, **kwargs):  # fmt: skip
        self.encoding = check_choice("encoding", encoding, ("utf-8",))
        for name, token in (("mask_token", mask_token), ("oov_token", oov_token)):
            if token is not None and not isinstance(token, str):
                raise TypeError(f"{name}: expected None or a string; received {token!r}")
        kwargs.pop("vocabulary_dtype", None)  # Keras's config names it; always 'string'
        kwargs.pop("oov_method", None)  # strings are always hashed (Keras's 'farmhash')
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, salt, **kwargs)  # fmt: skip

    @property
    def input_dtype(self) -> str:
        return "int64" if self.invert else "string"

    def _tokens_of(self, values, argument: str):
        return text.as_strings(values, argument)

    def _oov_indices(self, tokens: list) -> list[int]:
        return lookup.oov_bins(tokens, self.num_oov_indices, False, self.salt)

    def _vocabulary_dtype(self):
        return object

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}
