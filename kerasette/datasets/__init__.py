"""Small benchmark datasets, loaded as NumPy arrays like `keras.datasets`."""

from . import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters
from .errors import DatasetError

__all__ = [
    "DatasetError",
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
