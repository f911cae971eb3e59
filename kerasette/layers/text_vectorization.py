"""TextVectorization: raw strings to token indices or bag-of-words vectors."""

from __future__ import annotations

from kerasette.layers.category_encoding import refuse_sparse
from kerasette.layers.preprocessing_layer import PreprocessingLayer
from kerasette.layers.string_lookup import StringLookup
from kerasette.preprocessing import lookup, text
from kerasette.validation import check_choice, check_int

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _check_function_choice(argument: str, value, choices: tuple):
    return value if value is None or callable(value) else check_choice(argument, value, choices)


def _check_ngrams(ngrams) -> tuple[int, ...] | None:
    """Keras's ``ngrams``: None, n (widths 1..n) or a tuple of widths."""
    if ngrams is None:
        return None
    widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) and not isinstance(ngrams, bool) else ngrams
    if not isinstance(widths, (tuple, list)) or not widths:
        raise ValueError(f"ngrams: expected None, an integer or a tuple of integers; received {ngrams!r}")
    return tuple(check_int("ngrams", width, 1) for width in widths)


class TextVectorization(PreprocessingLayer):
    """Standardizes, splits and indexes strings, as Keras's ``TextVectorization``.

    Each string is standardized (``standardize``), split into tokens (``split``), joined
    into n-grams (``ngrams``) and looked up in the vocabulary (set, or learned by
    ``adapt``): index 0 is the padding token ``''`` and 1 the OOV token ``'[UNK]'`` in
    ``int`` mode; the other modes encode each string as one vector over the vocabulary.

    Args:
        max_tokens: The most indices ``adapt`` keeps (padding and OOV included).
        standardize: ``'lower_and_strip_punctuation'`` (ASCII letters lowercased, ASCII
            punctuation removed, as ``tf.strings``), ``'lower'``, ``'strip_punctuation'``,
            None, or a callable taking and returning a NumPy array of strings.
        split: ``'whitespace'``, ``'character'``, None (each string one token), or a callable
            taking a 1-D NumPy array of strings and returning a list of tokens per string.
        ngrams: None, n (n-grams of widths 1..n) or a tuple of widths.
        output_mode: ``'int'``, ``'multi_hot'``, ``'count'`` or ``'tf_idf'``.
        output_sequence_length: With ``'int'``: pad with 0 or cut every sequence to this
            length (without it, to the longest in the batch).
        pad_to_max_tokens: Vectors of ``max_tokens`` entries whatever the vocabulary's size.
        vocabulary: A list or 1-D array of strings instead of ``adapt``.
        idf_weights: With ``'tf_idf'`` and a vocabulary: a weight per token.
        sparse, ragged: Must be False: kerasette has neither sparse nor ragged tensors.
        encoding: Must be 'utf-8'.

    Unlike Keras (whose argument check lets it through), ``output_mode='one_hot'`` is
    refused: Keras's documentation does not list it and it fails on split strings.

    Example:
    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "the dog"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
    >>> layer(["the bird sat"]).tolist()
    [[2, 1, 3, 0]]

    Reference: Keras ``keras.layers.TextVectorization``.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):  # fmt: skip
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("dtype", None)  # Keras's config says 'string': inputs are strings, always
        super().__init__(name=name, **kwargs)
        self.standardize = _check_function_choice("standardize", standardize, _STANDARDIZE)
        self.split = _check_function_choice("split", split, _SPLIT)
        self.ngrams = ngrams
        self._ngram_widths = _check_ngrams(ngrams)
        self.output_mode = check_choice(
            "output_mode", {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode),
            ("int", "multi_hot", "count", "tf_idf"),
        )  # fmt: skip
        if output_sequence_length is not None:
            if self.output_mode != "int":
                raise ValueError(
                    f"output_sequence_length: only used with output_mode='int'; received {self.output_mode!r}"
                )
            output_sequence_length = check_int("output_sequence_length", output_sequence_length, 1)
        self.output_sequence_length = output_sequence_length
        refuse_sparse(sparse)
        if ragged is not False:
            raise ValueError(f"ragged: kerasette has no ragged tensors; expected False; received {ragged!r}")
        self.encoding = check_choice("encoding", encoding, ("utf-8",))
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=self.output_mode,
            vocabulary_size=vocabulary_size,
            has_input_vocabulary=has_input_vocabulary,
            name=f"{self.name}_string_lookup",
        )
        self._lookup_layer._owner = f"TextVectorization layer '{self.name}'"

    input_dtype = "string"

    # -- the vocabulary, as the lookup layer keeps it --------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The token of each index: ``''`` (padding, int mode) and ``'[UNK]'`` first unless told not to."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The number of indices, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replace the vocabulary (and IDF weights for ``'tf_idf'``)."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)
        self.refresh_output_shape()

    @property
    def idf_weights(self):
        return self._lookup_layer.idf_weights

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary from ``data``: a list or array of strings (each one document),
        or a Dataset or iterable of batches of them (``steps`` batches at most)."""
        batches = lookup.adapt_batches(data, steps, "adapt: data")
        self._lookup_layer.learn(self._token_rows(batch, "adapt: data") for batch in batches)
        self.refresh_output_shape()

    # -- calls -----------------------------------------------------------------------------
    def _token_rows(self, inputs, argument: str) -> list[list[str]]:
        """The tokens (n-grams) of each string of ``inputs``: shape (n,) or (n, 1) when splitting."""
        strings = text.standardize(text.as_strings(inputs, argument), self.standardize)
        if strings.ndim == 0:
            strings = strings.reshape(1)
        if self.split is None:
            rows = [list(row) for row in strings.reshape(strings.shape[0], -1)]
        elif strings.ndim > 2 or (strings.ndim == 2 and strings.shape[-1] != 1):
            raise ValueError(
                f"{argument}: splitting strings needs shape (n,) or (n, 1); received shape {strings.shape}"
            )
        else:
            rows = text.split(strings.reshape(-1), self.split)
        return rows if self._ngram_widths is None else text.ngrams(rows, self._ngram_widths)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        depth = self._lookup_layer.compute_output_shape((None, None))[-1]
        return (input_shape[0], depth)

    def transform(self, inputs):
        argument = f"TextVectorization layer '{self.name}': inputs"
        if self.split is None and self._ngram_widths is None and self.output_mode == "int":
            indices = self._lookup_layer.look_up(text.standardize(text.as_strings(inputs, argument), self.standardize))
            return indices if self.output_sequence_length is None else lookup.fit_last_axis(
                indices, self.output_sequence_length
            )  # fmt: skip
        rows = self._token_rows(inputs, argument)
        lengths = [len(row) for row in rows]
        flat = self._lookup_layer.look_up(text.as_strings([token for row in rows for token in row], argument))
        indexed, start = [], 0
        for length in lengths:
            indexed.append(flat[start : start + length].tolist())
            start += length
        if self.output_mode == "int":
            return lookup.pad_rows(indexed, self.output_sequence_length, 0)
        return self._lookup_layer.encode(lookup.pad_rows(indexed, None, -1))

    def get_config(self):
        lookup_layer = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup_layer.max_tokens,
            "standardize": self.standardize,
            "split": self.split,
            "ngrams": self.ngrams,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": lookup_layer.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": lookup_layer.input_vocabulary,
            "idf_weights": lookup_layer.input_idf_weights,
            "encoding": self.encoding,
            "vocabulary_size": self.vocabulary_size() if lookup_layer.get_vocabulary(False) else None,
        }
