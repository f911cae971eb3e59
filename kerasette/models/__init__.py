"""Models: ``Sequential`` (also as ``Model``) and ``load_model``, as in ``keras.models``."""

from kerasette.models.sequential import Sequential
from kerasette.saving import load_model

Model = Sequential

__all__ = ["Model", "Sequential", "load_model"]
