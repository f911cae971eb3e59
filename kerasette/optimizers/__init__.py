"""Keras 3's optimizers, with Keras's names, defaults and update rules.

Each optimizer keeps per-variable state ("slots") and applies one update rule in place,
after the gradient clipping and weight decay that every optimizer offers
(:class:`Optimizer`). Learning-rate schedules live in :mod:`.schedules`.
"""

from __future__ import annotations

from kerasette import registry
from kerasette.optimizers import schedules
from kerasette.optimizers.adadelta import Adadelta
from kerasette.optimizers.adagrad import Adagrad
from kerasette.optimizers.adam import Adam
from kerasette.optimizers.adamax import Adamax
from kerasette.optimizers.adamw import AdamW
from kerasette.optimizers.ftrl import Ftrl
from kerasette.optimizers.lion import Lion
from kerasette.optimizers.nadam import Nadam
from kerasette.optimizers.optimizer import Optimizer
from kerasette.optimizers.rmsprop import RMSprop
from kerasette.optimizers.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]

# The names compile(optimizer=...) accepts, as Keras does: the class names in lower case.
_BY_NAME = {
    cls.__name__.lower(): cls for cls in (SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax, Nadam, AdamW, Ftrl, Lion)
}
registry.register_builtins("optimizer", _BY_NAME)


def get(identifier) -> Optimizer | None:
    """An optimizer from a Keras name (``'rmsprop'``), a config dict or an object; None for None, as in Keras.

    >>> get('rmsprop').learning_rate
    0.001
    >>> type(get('adamw')).__name__
    'AdamW'
    >>> get({'class_name': 'adam', 'config': {'learning_rate': 0.01}}).learning_rate
    0.01
    """
    if identifier is None:
        return None
    return registry.deserialize("optimizer", "optimizer", identifier, Optimizer, case_sensitive=False)


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from :func:`serialize`'s dict."""
    return registry.deserialize("optimizer", "optimizer", config, Optimizer, custom_objects, case_sensitive=False)


def serialize(identifier) -> dict:
    """``{'class_name': ..., 'config': ...}`` of an optimizer, which :func:`get` turns back into an equal one."""
    return registry.serialize(identifier)
