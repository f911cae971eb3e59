"""User-facing helpers, as in ``keras.utils``: ``to_categorical``, ``set_random_seed``,
``plot_history``, :class:`PyDataset` (``Sequence``), ``image_dataset_from_directory`` and
``text_dataset_from_directory`` (which return a :class:`~kerasette.utils.dataset.Dataset`),
``pad_sequences``, and ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img`` (Pillow, the ``image``
extra); ``kerasette.utils.np_utils`` is Keras 2's path to ``to_categorical``."""

from __future__ import annotations

import random

import numpy as np

from kerasette import backend
from kerasette.utils.dataset import Dataset
from kerasette.utils.directory_datasets import image_dataset_from_directory, text_dataset_from_directory
from kerasette.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from kerasette.utils.py_dataset import PyDataset, Sequence
from kerasette.utils.sequence_padding import pad_sequences
from kerasette.validation import check_number

__all__ = [
    "Dataset",
    "PyDataset",
    "Sequence",
    "array_to_img",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "pad_sequences",
    "plot_history",
    "save_img",
    "set_random_seed",
    "text_dataset_from_directory",
    "to_categorical",
]


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
            raise ValueError(
                f"to_categorical: y holds the label {float(labels.flat[np.abs(labels).argmax()]):g}, "
                "too large for a class index"
            )
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    smallest, largest = int(labels.min()), int(labels.max())
    if smallest < 0:
        raise ValueError(f"to_categorical: y holds the negative label {smallest}; expected labels >= 0")
    if num_classes is None:
        num_classes = largest + 1
    num_classes = check_number("to_categorical: num_classes", num_classes, 1, integer=True)
    if largest >= num_classes:
        raise ValueError(
            f"to_categorical: y holds the label {largest}, outside [0, {num_classes}) for num_classes={num_classes}"
        )
    categorical = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(categorical, labels[..., None], 1, axis=-1)
    return categorical


def set_random_seed(seed: int) -> None:
    """Seed every source of randomness kerasette uses, as ``keras.utils.set_random_seed``.

    Makes weight initialisation, shuffling and dropout repeatable; also seeds Python's
    ``random`` and NumPy's global generator for user code that relies on them.
    """
    check_number("set_random_seed: seed", seed, 0, integer=True)
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    backend.seed(int(seed))


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
