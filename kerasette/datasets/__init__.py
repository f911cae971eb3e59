"""Small benchmark datasets, loaded as NumPy arrays like `keras.datasets`."""

from . import fashion_mnist, mnist
from .errors import DatasetError

__all__ = ["DatasetError", "fashion_mnist", "mnist"]
