"""Small benchmark datasets, loaded as NumPy arrays like `keras.datasets`."""

from . import boston_housing, fashion_mnist, imdb, mnist, reuters
from .errors import DatasetError

__all__ = ["DatasetError", "boston_housing", "fashion_mnist", "imdb", "mnist", "reuters"]
