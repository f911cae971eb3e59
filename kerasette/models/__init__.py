"""Models: ``Model`` (Functional or subclassed), ``Sequential`` and ``load_model``, as in ``keras.models``."""

from kerasette.models.model import Model
from kerasette.models.sequential import Sequential
from kerasette.saving import load_model

__all__ = ["Model", "Sequential", "load_model"]
