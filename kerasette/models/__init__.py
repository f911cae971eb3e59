"""Models: ``Model`` (``Model(inputs, outputs)`` is a ``Functional``), ``Functional``,
``Sequential``, ``clone_model``, ``model_from_json`` and ``load_model``, as in ``keras.models``."""

from kerasette.models.cloning import clone_model
from kerasette.models.functional import Functional
from kerasette.models.model import Model, model_from_json
from kerasette.models.sequential import Sequential
from kerasette.saving import load_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json"]
