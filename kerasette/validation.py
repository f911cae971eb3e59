"""The checks of what users pass to the public API, in one place.

Every check runs before any weight changes and fails with a ``TypeError`` (wrong kind of
value) or ``ValueError`` (right kind, wrong value) whose message names the argument, what
was received and what was expected. These work on host values; nothing here touches the
device except :func:`host_array`, which copies device arrays back to read them.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Iterable

import numpy as np

from kerasette import backend


def unknown_name_error(argument: str, received, choices: Iterable[str]) -> Exception:
    """A ValueError (TypeError for non-strings) naming the argument, the value and the choices.

    >>> error = unknown_name_error('loss', 'categorical_crossentropi', ['categorical_crossentropy', 'mse'])
    >>> str(error).split('; ')[1]
    "did you mean 'categorical_crossentropy'? Expected one of: categorical_crossentropy, mse"
    """
    choices = sorted(choices)
    if not isinstance(received, str):
        return TypeError(
            f"{argument}: received {received!r} of type {type(received).__name__}; "
            f"expected a name (one of: {', '.join(choices)}) or an object of the right kind"
        )
    # difflib ranks 'adamax' above 'adam' for 'adma'; the fewest typing edits decide among its picks.
    close = sorted(difflib.get_close_matches(received, choices, n=3), key=lambda name: _typing_edits(received, name))
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return ValueError(f"{argument}: unknown name {received!r}{hint} Expected one of: {', '.join(choices)}")


def _typing_edits(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that turn ``a`` into ``b``."""
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
    return current[len(b)]


def check_int(argument: str, value, minimum: int = 0) -> int:
    """``value`` as an int ``>= minimum``; bools and floats are refused (TypeError)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{argument}: expected an integer >= {minimum}; received {value!r} of type {type(value).__name__}"
        )
    if value < minimum:
        raise ValueError(f"{argument}: expected an integer >= {minimum}; received {value}")
    return int(value)


def _describe_range(low, high, low_open: bool, high_open: bool, integer: bool) -> str:
    kind = "an integer" if integer else "a number"
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low == 0 and low_open:
        return f"a positive finite {'integer' if integer else 'number'}"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{kind} {'<' if high_open else '<='} {high}"
    return f"a finite {'integer' if integer else 'number'}"


def check_number(
    argument: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
):
    """A finite real number within ``[low, high]`` (ends open as asked), else ValueError.

    Bools, strings and NaN are refused. Returns a float, or an int with ``integer=True``.

    >>> check_number('rate', 0.5, 0, 1, high_open=True)
    0.5
    >>> check_number('factor', 1.0, 0, 1, low_open=True, high_open=True)
    Traceback (most recent call last):
    ValueError: factor: expected a number in (0, 1); received 1.0
    """
    wanted = numbers.Integral if integer else numbers.Real
    valid = not isinstance(value, bool) and isinstance(value, wanted) and math.isfinite(value)
    if valid and low is not None:
        valid = value > low if low_open else value >= low
    if valid and high is not None:
        valid = value < high if high_open else value <= high
    if not valid:
        expected = _describe_range(low, high, low_open, high_open, integer)
        raise ValueError(f"{argument}: expected {expected}; received {value!r}")
    return int(value) if integer else float(value)


def check_shape(shape, argument: str) -> tuple[int, ...]:
    """A shape without the batch axis as a tuple of positive ints (an int is a 1-tuple)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{argument}: expected a tuple of positive integers; received {shape!r}") from None
    if not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0 for d in dims):
        raise ValueError(f"{argument}: expected a tuple of positive integers; received {shape!r}")
    return tuple(int(d) for d in dims)


def check_bool(argument: str, value) -> bool:
    """``value`` as a bool; strings such as ``'no'`` (truthy in Python) are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argument}: expected True or False; received {value!r} of type {type(value).__name__}")
    return bool(value)


def check_path(argument: str, value) -> str:
    """A file system path as a non-empty ``str`` (``os.PathLike`` accepted; bytes refused)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise TypeError(f"{argument}: expected a path (str or os.PathLike); received {value!r}")
    return value


def check_verbose(value) -> int:
    """Keras's ``verbose``: 'auto' (= 1), 0, 1 or 2."""
    if value == "auto":
        return 1
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise ValueError(f"verbose: expected 'auto', 0, 1 or 2; received {value!r}")
    return int(value)


def check_choice(argument: str, value, choices: tuple):
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(repr(choice) for choice in choices[:-1]) + f" or {choices[-1]!r}"
    raise ValueError(f"{argument}: expected {listed}; received {value!r}")


def host_array(values, argument: str) -> np.ndarray:
    """A NumPy view of array-like numeric input; strings, objects and None are refused."""
    if values is None:
        raise ValueError(f"{argument}: expected an array of numbers; received None")
    if backend.is_device_array(values) and not isinstance(values, np.ndarray):
        values = backend.to_numpy(values)
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{argument}: expected a rectangular array of numbers; {error}") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"{argument}: expected numbers (bool, int or float); received an array of dtype {array.dtype}")
    return array


def check_same_length(pairs: list[tuple[str, int]]) -> None:
    """All named lengths agree, e.g. ``[('x', 60000), ('y', 59999)]``."""
    lengths = {length for _, length in pairs}
    if len(lengths) > 1:
        described = ", ".join(f"{name} has {length}" for name, length in pairs)
        raise ValueError(f"expected the same number of samples in each array; {described}")


def check_finite(array, argument: str) -> None:
    """Refuse NaN and infinity in a host array."""
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"{argument}: contains NaN or infinity; expected finite numbers")


def check_finite_as(array, dtype, argument: str) -> None:
    """Refuse NaN, infinity and values too large for ``dtype`` in a host array."""
    check_finite(array, argument)
    if array.dtype.kind == "f" and array.size:
        largest, limit = float(np.abs(array).max()), float(np.finfo(dtype).max)
        if largest > limit:
            raise ValueError(f"{argument}: holds {largest:g}, beyond the largest {np.dtype(dtype).name} ({limit:g})")


def check_whole_numbers(array, argument: str) -> None:
    """Refuse fractional or non-finite values where integer labels are expected."""
    if array.dtype.kind == "f":
        bad = array[~np.isfinite(array) | (array != np.round(array))]
        if bad.size:
            raise ValueError(f"{argument}: class labels must be whole numbers; received {bad.flat[0]}")


def check_labels_in_range(labels, num_classes: int, argument: str) -> None:
    """Refuse class labels outside ``[0, num_classes)``."""
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{argument}: class labels must lie in [0, {num_classes}) for a model with "
            f"{num_classes} outputs; received values from {labels.min()} to {labels.max()}"
        )


def check_values_in_range(values, low: float, high: float, argument: str) -> None:
    """Refuse values outside ``[low, high]``."""
    if values.size and (values.min() < low or values.max() > high):
        raise ValueError(
            f"{argument}: values must lie in [{low}, {high}]; received values from {values.min()} to {values.max()}"
        )
