"""Saving and loading: kerasette's HDF5 files (atomic, checksummed), Keras's files, and
the registry of serializable objects. Never pickle.

- :mod:`~kerasette.saving.saving_api`: ``save_model``, ``load_model``, ``save_weights``,
  ``load_weights``;
- :mod:`~kerasette.saving.kerasette_format` and :mod:`~kerasette.saving.keras_format`:
  what each kind of file holds;
- :mod:`~kerasette.saving.hdf5_file`: writing atomically and reading defensively;
- :mod:`~kerasette.saving.restore`: matching stored weights to a model;
- :mod:`~kerasette.saving.file_names`: which suffix means what.
"""

from kerasette.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kerasette.saving.saving_api import load_model, load_weights, save_model, save_weights

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
]
