"""Saving and loading in Keras 3's formats, both ways (atomic, checksummed), and the
registry of serializable objects. Never pickle.

- :mod:`~kerasette.saving.saving_api`: ``save_model``, ``load_model``, ``save_weights``,
  ``load_weights``;
- :mod:`~kerasette.saving.keras_archive`: ``.keras`` zip archives;
  :mod:`~kerasette.saving.keras_layers`: layer configs, one table entry per layer class;
  :mod:`~kerasette.saving.keras_weights`: Keras 3's weights and optimizer layout;
- :mod:`~kerasette.saving.kerasette_format` and :mod:`~kerasette.saving.keras_format`:
  the HDF5 files kerasette writes, and reading those Keras writes;
- :mod:`~kerasette.saving.hdf5_file`: writing atomically and reading defensively;
- :mod:`~kerasette.saving.restore`: matching stored weights to a model;
- :mod:`~kerasette.saving.file_names`: which suffix means what;
- :mod:`~kerasette.saving.serialization`: ``serialize_keras_object`` and
  ``deserialize_keras_object``, any object to Keras 3's JSON form and back.
"""

from kerasette.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kerasette.saving.saving_api import load_model, load_weights, save_model, save_weights
from kerasette.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
