"""IndexLookup: the vocabulary machinery behind StringLookup, IntegerLookup and TextVectorization.

Indices follow Keras: with ``output_mode='int'`` and a ``mask_token``, index 0 is the mask;
then come ``num_oov_indices`` out-of-vocabulary indices, then the vocabulary's tokens. In
the other modes the mask takes no index and masked values count nowhere.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.layers.category_encoding import check_output_mode, encoded_shape, refuse_sparse
from kerasette.layers.hashing import check_salt
from kerasette.layers.preprocessing_layer import PreprocessingLayer
from kerasette.preprocessing import lookup
from kerasette.validation import check_bool, check_int

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(PreprocessingLayer):
    """Maps tokens to indices through a vocabulary set or learned by ``adapt``.

    Subclasses define how inputs are read (``_tokens_of``) and the OOV bins of tokens of
    their kind (``_oov_indices``). Arguments as Keras's ``StringLookup``.
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token=None,
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        pad_to_max_tokens=False,
        sparse=False,
        salt=None,
        vocabulary_size=None,
        has_input_vocabulary=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.max_tokens = None if max_tokens is None else check_int("max_tokens", max_tokens, 2)
        self.num_oov_indices = check_int("num_oov_indices", num_oov_indices, 0)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert = check_bool("invert", invert)
        self.output_mode = check_output_mode(output_mode, OUTPUT_MODES)
        self.pad_to_max_tokens = check_bool("pad_to_max_tokens", pad_to_max_tokens)
        refuse_sparse(sparse)
        self.sparse = False
        self.salt = check_salt(salt)
        if self.pad_to_max_tokens and max_tokens is None:
            raise ValueError("pad_to_max_tokens: True needs max_tokens set; received max_tokens=None")
        if self.invert and self.output_mode != "int":
            raise ValueError(f"invert: True needs output_mode='int'; received output_mode={self.output_mode!r}")
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ValueError(f"idf_weights: only used with output_mode='tf_idf'; received {self.output_mode!r}")
        if self.output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError("idf_weights: output_mode='tf_idf' with a given vocabulary needs idf_weights as well")
        self.input_vocabulary = None if vocabulary is None else self._vocabulary_list(vocabulary)
        self.input_idf_weights = None if idf_weights is None else lookup.as_floats(idf_weights, "idf_weights").tolist()
        self._has_input_vocabulary = vocabulary is not None if has_input_vocabulary is None else has_input_vocabulary
        self._frozen_vocabulary_size = vocabulary_size
        self._tokens: list = []
        self._index: dict = {}
        self.idf_weights = None
        if vocabulary is not None:
            self.set_vocabulary(self.input_vocabulary, self.input_idf_weights)

    @property
    def owner(self) -> str:
        """How messages name the layer (a TextVectorization names itself, not its lookup)."""
        return self.__dict__.get("_owner") or f"{type(self).__name__} layer '{self.name}'"

    # -- the vocabulary --------------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of indices: mask and OOV indices, then the vocabulary's tokens."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The token of each index (with the mask and OOV tokens first unless told not to)."""
        specials = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        return (specials if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replace the vocabulary (and, with ``output_mode='tf_idf'``, the IDF weights).

        The mask and OOV tokens may lead the list in Keras's order; elsewhere they are refused,
        as are repeated tokens and more than ``max_tokens`` indices.
        """
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("idf_weights: output_mode='tf_idf' needs idf_weights with the vocabulary")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"idf_weights: only used with output_mode='tf_idf'; received {self.output_mode!r}")
        tokens = self._vocabulary_list(vocabulary)
        if not tokens:
            raise ValueError("vocabulary: expected at least one token; received an empty vocabulary")
        specials = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        has_specials = tokens[: len(specials)] == specials
        if has_specials:
            tokens = tokens[len(specials) :]
        repeated = sorted({str(token) for token in tokens if tokens.count(token) > 1})
        if repeated:
            raise ValueError(f"vocabulary: expected each token once; repeated: {repeated}")
        for name, special in (("mask_token", self.mask_token), ("oov_token", self.oov_token if self.invert else None)):
            if special is not None and special in tokens:
                raise ValueError(
                    f"vocabulary: the {name} {special!r} may only lead the vocabulary, in the order {specials}"
                )
        size = len(specials) + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"vocabulary: {size} indices exceed max_tokens={self.max_tokens}")
        self._check_size_unchanged(size)
        self._tokens = tokens
        self._index = {token: position + len(specials) for position, token in enumerate(tokens)}
        self.refresh_output_shape()
        if idf_weights is not None:
            weights = lookup.as_floats(idf_weights, "idf_weights").reshape(-1).tolist()
            expected = len(specials) * has_specials + len(tokens)
            if len(weights) != expected:
                raise ValueError(f"idf_weights: expected {expected} weights (one per token); received {len(weights)}")
            self._set_idf_weights(weights if has_specials else [sum(weights) / len(weights)] * len(specials) + weights)

    def _set_idf_weights(self, weights: list) -> None:
        padding = (self.max_tokens - len(weights)) if self.pad_to_max_tokens else 0
        self.idf_weights = lookup.as_floats(weights + [0.0] * padding, "idf_weights").astype(backend.floatx())

    def _check_size_unchanged(self, size: int) -> None:
        # As Keras: the width of multi_hot/count/tf_idf outputs, once known, stays.
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocabulary_size is not None and size != self._frozen_vocabulary_size:
            raise ValueError(
                f"vocabulary: layer '{self.name}' outputs vectors of {self._frozen_vocabulary_size} indices "
                f"(output_mode={self.output_mode!r}); a vocabulary of {size} indices would change that"
            )
        self._frozen_vocabulary_size = size

    # -- adapt -----------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and IDF weights) from ``data``: an array or list (each row a
        document; a 1-D array's elements each one), or a Dataset or iterable of batches;
        ``steps`` limits the batches read (``batch_size`` is accepted, as Keras, and unused)."""
        self.learn(self._documents(batch) for batch in lookup.adapt_batches(data, steps, "adapt: data"))

    def learn(self, document_batches) -> None:
        """Keras's ``adapt`` on batches already split into documents (lists of tokens)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"adapt: layer '{self.name}' was given its vocabulary as an argument; it cannot also adapt one"
            )
        counts = lookup.TokenCounts()
        for documents in document_batches:
            counts.update(documents)
        specials = tuple(token for token in (self.mask_token, self.oov_token) if token is not None)
        limit = None if self.max_tokens is None else self.max_tokens - self._token_start()
        tokens = counts.ranked(specials, limit)
        if not tokens:
            raise ValueError(f"adapt: layer '{self.name}' found no tokens in data; expected at least one")
        self._check_size_unchanged(self._token_start() + len(tokens))
        self._tokens = tokens
        self._index = {token: position + self._token_start() for position, token in enumerate(tokens)}
        if self.output_mode == "tf_idf":
            weights = counts.inverse_document_frequencies(tokens)
            self._set_idf_weights([sum(weights) / len(weights)] * self._token_start() + weights)
        self.refresh_output_shape()

    def _documents(self, batch) -> list:
        """One batch of adapt data as documents: the rows of a 2-D array; a 1-D batch is one."""
        values = self._tokens_of(batch, "adapt: data")
        return [values.reshape(-1)] if values.ndim < 2 else list(values.reshape(values.shape[0], -1))

    # -- calls -----------------------------------------------------------------------------
    def _vocabulary_list(self, vocabulary) -> list:
        if isinstance(vocabulary, str):
            raise ValueError(
                f"vocabulary: a file path ({vocabulary!r}) is not read; read its lines and pass them as a list"
            )
        return self._tokens_of(vocabulary, "vocabulary").reshape(-1).tolist()

    def _depth(self) -> int:
        if not self._tokens:
            raise ValueError(
                f"{self.owner} has no vocabulary yet; call adapt(data), "
                "set_vocabulary(...) or pass vocabulary=... first"
            )
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocabulary_size
        return encoded_shape(input_shape, self.output_mode, depth)

    def transform(self, inputs):
        if self.invert:
            indices = lookup.as_integers(inputs, f"{type(self).__name__} layer '{self.name}': inputs (indices)")
            self._depth()
            return lookup.invert(indices, self.get_vocabulary(), self.oov_token, self._vocabulary_dtype())
        return self.encode(self.look_up(self._tokens_of(inputs, f"{type(self).__name__} layer '{self.name}': inputs")))

    def look_up(self, tokens):
        """The index of each token (host int64 array of the same shape)."""
        depth = self._depth()
        masked = self.output_mode == "int"
        indices = lookup.look_up(tokens, self._index, -1, self.mask_token, 0 if masked else depth)
        oov = indices == -1
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(
                    f"{self.owner}: {tokens[oov].reshape(-1)[:5].tolist()} not in the "
                    "vocabulary, and num_oov_indices=0 gives them no index; set num_oov_indices >= 1"
                )
            if self.num_oov_indices == 1:
                indices[oov] = self._oov_start()
            else:
                bins = self._oov_indices(tokens[oov].reshape(-1).tolist())
                indices[oov] = lookup.index_array(bins, (-1,)) + self._oov_start()
        return indices

    def encode(self, indices):
        """Looked-up indices as this layer's output (int indices, or vectors)."""
        if self.output_mode == "int":
            return indices
        depth = self._depth()
        counts = lookup.encode(indices, "count" if self.output_mode == "tf_idf" else self.output_mode, depth)
        return counts * self.idf_weights if self.output_mode == "tf_idf" else counts

    def get_config(self):
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": False,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary": self.input_vocabulary,
            "idf_weights": self.input_idf_weights,
            "vocabulary_size": self._frozen_vocabulary_size,
            "salt": self.salt,
        }
