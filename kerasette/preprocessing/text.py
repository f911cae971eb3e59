"""Host-side string handling for the text layers: input checks, standardization,
splitting into tokens and n-grams, with TensorFlow's rules as Keras applies them.

Keras's ``TextVectorization`` lowercases with ``tf.strings.lower`` (ASCII letters only),
strips ASCII punctuation with one regular expression, splits on ASCII whitespace
(``tf.strings.split``) or into Unicode characters, and joins n-grams with a space
(``tf.strings.ngrams``); the same rules are written here on Python strings.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

import numpy as np

# Keras's DEFAULT_STRIP_REGEX.
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# tf.strings.split without a separator: runs of ASCII whitespace; ends stripped.
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _decoded(value, argument: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    raise TypeError(f"{argument}: expected strings; received an element {value!r} of type {type(value).__name__}")


def as_strings(inputs, argument: str) -> np.ndarray:
    """``inputs`` (a string, or a list or array of them; bytes as UTF-8) as an object array of str.

    Numbers are refused: a text layer given token ids or features is a mistake to report,
    not to convert.
    """
    if hasattr(inputs, "__cuda_array_interface__"):
        raise TypeError(f"{argument}: expected strings; received a device array of dtype {inputs.dtype}")
    try:
        array = np.asarray(inputs, dtype=object) if isinstance(inputs, (list, tuple)) else np.asarray(inputs)
    except ValueError as error:
        raise ValueError(f"{argument}: expected a rectangular array of strings; {error}") from None
    if array.dtype.kind in "biufc" or (array.dtype.kind not in "USO"):
        raise TypeError(f"{argument}: expected strings; received an array of dtype {array.dtype}")
    if array.dtype.kind == "U":
        return array.astype(object)
    flat = [_decoded(value, argument) for value in array.reshape(-1)]
    result = np.empty(len(flat), dtype=object)
    result[:] = flat
    return result.reshape(array.shape)


def as_batch(inputs) -> np.ndarray:
    """A list (or a lone string) given to a preprocessing layer as one host array."""
    flat = inputs if isinstance(inputs, (str, bytes)) else np.asarray(inputs, dtype=object).reshape(-1)
    if isinstance(flat, (str, bytes)) or any(isinstance(value, (str, bytes)) for value in flat):
        return as_strings(inputs, "inputs")
    return np.asarray(inputs)


def standardize(strings: np.ndarray, how) -> np.ndarray:
    """``strings`` lowercased and/or stripped of punctuation, or through a callable of one's own.

    A callable receives the NumPy array of str (as Keras gives it on backends other than
    TensorFlow) and returns an array of strings of the same shape.
    """
    if how is None:
        return strings
    if callable(how):
        result = as_strings(how(strings.astype(str)), "standardize (the callable's result)")
        if result.shape != strings.shape:
            raise ValueError(
                f"standardize: the callable returned shape {result.shape}; expected the input's shape {strings.shape}"
            )
        return result
    lower = how in ("lower", "lower_and_strip_punctuation")
    strip = how in ("strip_punctuation", "lower_and_strip_punctuation")

    def one(text: str) -> str:
        text = text.translate(_ASCII_LOWER) if lower else text
        return _PUNCTUATION.sub("", text) if strip else text

    result = np.empty(strings.shape, dtype=object)
    result.reshape(-1)[:] = [one(text) for text in strings.reshape(-1)]
    return result


def split(strings: np.ndarray, how: str | Callable) -> list[list[str]]:
    """Each string of the 1-D ``strings`` as a list of tokens.

    A callable receives the 1-D NumPy array of str and returns one sequence of tokens per
    string (Keras's ragged tensor as nested lists).
    """
    if how == "whitespace":
        return [[token for token in _WHITESPACE.split(text) if token] for text in strings]
    if how == "character":
        return [list(text) for text in strings]
    rows = how(strings.astype(str))
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__len__") or len(rows) != len(strings):
        raise ValueError(f"split: the callable must return one sequence of tokens per input string ({len(strings)})")
    return [[_decoded(token, "split (the callable's result)") for token in row] for row in rows]


def ngrams(rows: list[list[str]], widths: tuple[int, ...]) -> list[list[str]]:
    """Each row's n-grams of every width in ``widths`` (in that order), tokens joined by a space."""
    return [
        [" ".join(row[start : start + width]) for width in widths for start in range(len(row) - width + 1)]
        for row in rows
    ]
