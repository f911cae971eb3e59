"""Small shared helpers: ``to_categorical``, ``set_random_seed``, and the host-side checks
of what users pass to the public API.

Every check runs before any weight changes and fails with a ``TypeError`` or ``ValueError``
whose message names the argument, what was received and what was expected.
"""
from __future__ import annotations

import difflib
import numbers
import os
import random
import secrets
from typing import Iterable

import numpy as np

from kerasette import backend


def unknown_name_error(argument: str, received, choices: Iterable[str]) -> Exception:
    """A ValueError (TypeError for non-strings) naming the argument, the value and the choices.

    >>> print(unknown_name_error('loss', 'categorical_crossentropi', ['categorical_crossentropy', 'mse']))
    loss: unknown name 'categorical_crossentropi'; did you mean 'categorical_crossentropy'? Expected one of: categorical_crossentropy, mse
    """
    choices = sorted(choices)
    if not isinstance(received, str):
        return TypeError(
            f"{argument}: received {received!r} of type {type(received).__name__}; "
            f"expected a name (one of: {', '.join(choices)}) or an object of the right kind"
        )
    close = difflib.get_close_matches(received, choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return ValueError(f"{argument}: unknown name {received!r}{hint} Expected one of: {', '.join(choices)}")


def to_categorical(y, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer class labels, as ``keras.utils.to_categorical``.

    Unlike Keras, negative labels, labels ``>= num_classes`` and non-integer values are
    refused instead of wrapping around or raising deep inside NumPy.

    Args:
        y: Integer labels of any shape; a trailing axis of size 1 is dropped.
        num_classes: Number of classes; ``max(y) + 1`` when None.
        dtype: dtype of the result.

    Returns:
        A NumPy array of shape ``y.shape + (num_classes,)``.

    Example:
    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    labels = np.asarray(backend.to_numpy(y) if backend.is_device_array(y) else y)
    if labels.dtype == object or labels.dtype.kind not in "biuf":
        raise TypeError(f"to_categorical: y must hold integer labels; received dtype {labels.dtype}")
    if labels.size == 0:
        raise ValueError("to_categorical: y is empty; expected at least one label")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to_categorical: dtype must be a NumPy dtype such as 'float32'; received {dtype!r}") from None
    if labels.dtype.kind == "f":
        bad = labels[~np.isfinite(labels) | (labels != np.round(labels))]
        if bad.size:
            raise ValueError(f"to_categorical: y must hold whole numbers; received {bad.flat[0]}")
        if np.abs(labels).max() >= 2.0**62:
            raise ValueError(f"to_categorical: y holds the label {float(labels.flat[np.abs(labels).argmax()]):g}, "
                             "too large for a class index")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    smallest, largest = int(labels.min()), int(labels.max())
    if smallest < 0:
        raise ValueError(f"to_categorical: y holds the negative label {smallest}; expected labels >= 0")
    if num_classes is None:
        num_classes = largest + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be a positive integer; received {num_classes!r}")
    elif largest >= num_classes:
        raise ValueError(
            f"to_categorical: y holds the label {largest}, outside [0, {num_classes}) for num_classes={num_classes}"
        )
    categorical = np.zeros(labels.shape + (int(num_classes),), dtype=dtype)
    np.put_along_axis(categorical, labels[..., None], 1, axis=-1)
    return categorical


def set_random_seed(seed: int) -> None:
    """Seed every source of randomness kerasette uses, as ``keras.utils.set_random_seed``.

    Makes weight initialisation, shuffling and dropout repeatable; also seeds Python's
    ``random`` and NumPy's global generator for user code that relies on them.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative integer; received {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    backend.seed(int(seed))


def check_int(argument: str, value, minimum: int = 0) -> int:
    """``value`` as an int ``>= minimum``; bools and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument}: expected an integer >= {minimum}; received {value!r} "
                        f"of type {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{argument}: expected an integer >= {minimum}; received {value}")
    return int(value)


def check_bool(argument: str, value) -> bool:
    """``value`` as a bool; strings such as ``'no'`` (truthy in Python) are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argument}: expected True or False; received {value!r} of type {type(value).__name__}")
    return bool(value)


def from_config_or_error(argument: str, cls, identifier: dict):
    """``cls.from_config`` of a ``{'class_name', 'config'}`` dict, naming the argument on failure."""
    config = identifier.get("config", {})
    if not isinstance(config, dict):
        raise TypeError(f"{argument}: 'config' of {identifier.get('class_name')} must be a dict; received {config!r}")
    try:
        return cls.from_config(config)
    except TypeError as error:
        raise TypeError(f"{argument}: cannot build {identifier['class_name']} from config {config!r}: {error}") from None


def resolve(argument: str, identifier, base: type, by_name: dict, case_sensitive: bool = True):
    """An object of class ``base`` from itself, a Keras name, a class name or a config dict.

    Args:
        argument: Name of the argument, for messages (``'loss'``, ``'optimizer'``).
        identifier: An instance of ``base``, a key of ``by_name`` (``'mse'``), a class name
            (``'MeanSquaredError'``) or ``{'class_name': ..., 'config': {...}}``.
        base: The class every result is an instance of.
        by_name: Keras names to classes.
        case_sensitive: False to also accept Keras names in any case (``'RMSprop'``).
    """
    if isinstance(identifier, base):
        return identifier
    by_class_name = {cls.__name__: cls for cls in by_name.values()}
    if isinstance(identifier, str):
        cls = by_name.get(identifier if case_sensitive else identifier.lower()) or by_class_name.get(identifier)
        if cls is not None:
            return cls()
    if isinstance(identifier, dict) and identifier.get("class_name") in by_class_name:
        return from_config_or_error(argument, by_class_name[identifier["class_name"]], identifier)
    raise unknown_name_error(argument, identifier, by_name)


def serialize(instance) -> dict:
    """``{'class_name': ..., 'config': ...}``, which :func:`resolve` turns back into an equal object."""
    return {"class_name": type(instance).__name__, "config": instance.get_config()}


def check_path(argument: str, value) -> str:
    """A file system path as a non-empty ``str`` (``os.PathLike`` accepted; bytes refused)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise TypeError(f"{argument}: expected a path (str or os.PathLike); received {value!r}")
    return value


def new_file_beside(path, suffix: str) -> tuple[int, str]:
    """Create a hidden, uniquely named file next to ``path``; return its descriptor and name.

    For atomic writes: written in full, then renamed over ``path``. It is created as an
    ordinary file would be (mode 0666 less the umask), whereas tempfile's files are
    owner-only, which would leave saved models and cached data sets unreadable to others.
    """
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}{suffix}")
    return os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666), temporary


def check_verbose(value) -> int:
    """Keras's ``verbose``: 'auto' (= 1), 0, 1 or 2."""
    if value == "auto":
        return 1
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise ValueError(f"verbose: expected 'auto', 0, 1 or 2; received {value!r}")
    return int(value)


def check_fraction(argument: str, value) -> float:
    """A float in ``[0, 1)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{argument}: expected a number in [0, 1); received {value!r}")
    return float(value)


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
        raise TypeError(f"{argument}: expected numbers (bool, int or float); received an array of dtype "
                        f"{array.dtype}")
    return array


def prepare_features(values, argument: str, sample_shape: tuple | None):
    """Model inputs as a device array of floatx, checked for shape, size and finiteness.

    Args:
        values: Array-like of shape ``(n, *sample_shape)``.
        argument: Name used in messages (``'x'``, ``'validation_data[0]'``).
        sample_shape: The model's expected shape of one sample, or None if not yet known.
    """
    array = host_array(values, argument)
    if array.ndim == 0:
        raise ValueError(f"{argument}: expected a batch of samples, shape (n, ...); received a scalar")
    if array.shape[0] == 0:
        raise ValueError(f"{argument}: expected at least one sample; received an empty array of shape "
                         f"{tuple(array.shape)}")
    if sample_shape is not None and tuple(array.shape[1:]) != tuple(sample_shape):
        raise ValueError(f"{argument}: expected samples of shape {tuple(sample_shape)} (the model's input "
                         f"shape), i.e. an array of shape (n, {', '.join(map(str, sample_shape))}); "
                         f"received shape {tuple(array.shape)}")
    array = backend.to_device(array, backend.floatx())
    if not bool(backend.xp.isfinite(array).all()):
        raise ValueError(f"{argument}: contains NaN or infinity; inputs must be finite")
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
        raise ValueError(f"{argument}: class labels must lie in [0, {num_classes}) for a model with "
                         f"{num_classes} outputs; received values from {labels.min()} to {labels.max()}")


def check_values_in_range(values, low: float, high: float, argument: str) -> None:
    """Refuse values outside ``[low, high]``."""
    if values.size and (values.min() < low or values.max() > high):
        raise ValueError(f"{argument}: values must lie in [{low}, {high}]; received values from "
                         f"{values.min()} to {values.max()}")


def class_weight_to_sample_weight(class_weight, labels) -> np.ndarray:
    """Per-sample weights ``class_weight[label]`` for integer ``labels`` (host arrays).

    >>> class_weight_to_sample_weight({0: 1.0, 1: 3.0}, np.array([1, 0, 1])).tolist()
    [3.0, 1.0, 3.0]
    """
    if not isinstance(class_weight, dict) or not class_weight:
        raise TypeError(f"class_weight: expected a dict mapping class index to weight; received {class_weight!r}")
    labels = labels.astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - {int(k) for k in class_weight})
    if missing:
        raise ValueError(f"class_weight: no weight given for classes {missing}; received keys {sorted(class_weight)}")
    table = np.zeros(max(max(int(k) for k in class_weight), int(labels.max())) + 1)
    for key, value in class_weight.items():
        table[int(key)] = float(value)
    return table[labels]


def plot_history(history, path=None):
    """Draw the loss and metric curves of a training run, one panel per quantity.

    Training and validation curves (``loss`` and ``val_loss``, ...) share a panel. Needs
    matplotlib: ``pip install "kerasette[plot]"``.

    Args:
        history: The :class:`~kerasette.callbacks.History` returned by ``fit``, or its
            ``history`` dict.
        path: Where to write the figure (PNG, SVG, PDF by suffix); nothing is written if None.

    Returns:
        The matplotlib ``Figure``.

    Example:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     figure = plot_history({'loss': [0.5, 0.3], 'val_loss': [0.6, 0.4]}, pathlib.Path(folder) / 'h.png')
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError('plot_history needs matplotlib: pip install "kerasette[plot]"') from error
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"history: expected a History or a non-empty dict of lists; received {history!r}")
    quantities = [name for name in logs if not name.startswith("val_")]
    quantities += [name[4:] for name in logs if name.startswith("val_") and name[4:] not in logs]
    figure = Figure(figsize=(5 * len(quantities), 4), layout="constrained")
    FigureCanvasAgg(figure)
    for index, quantity in enumerate(quantities, start=1):
        axes = figure.add_subplot(1, len(quantities), index)
        for prefix, label in (("", "training"), ("val_", "validation")):
            values = logs.get(prefix + quantity)
            if values:
                axes.plot(range(1, len(values) + 1), values, marker="o", label=label)
        axes.set_xlabel("epoch")
        axes.set_title(quantity)
        axes.legend()
    if path is not None:
        figure.savefig(path)
    return figure
