"""Layers: Dense, Activation, Softmax, Flatten, Dropout, Input/InputLayer.

Each is registered as a built-in ``'layer'``, so configs name them by class
(``registry.deserialize('layer', ...)``); models register themselves the same way.
"""

from kerasette.layers.activation import Activation
from kerasette.layers.dense import Dense
from kerasette.layers.dropout import Dropout
from kerasette.layers.flatten import Flatten
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.layer import Layer
from kerasette.layers.softmax import Softmax
from kerasette.registry import deserialize as _deserialize
from kerasette.registry import register_builtins

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "Softmax", "deserialize"]

register_builtins("layer", {cls.__name__: cls for cls in (Activation, Dense, Dropout, Flatten, InputLayer, Softmax)})


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer from ``{'class_name': ..., 'config': {...}}``, as ``keras.layers.deserialize``.

    >>> deserialize({'class_name': 'Dense', 'config': {'units': 3}}).units
    3
    """
    return _deserialize("layer", "layer", config, Layer, custom_objects=custom_objects)
