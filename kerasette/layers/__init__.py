"""Layers: Dense, Activation, Softmax, Flatten, Dropout, Input/InputLayer."""
from kerasette.layers.activation import Activation
from kerasette.layers.dense import Dense
from kerasette.layers.dropout import Dropout
from kerasette.layers.flatten import Flatten
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.layer import Layer
from kerasette.layers.softmax import Softmax

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "Softmax"]


def get(class_name: str):
    """The layer class of that name, for rebuilding models from their config."""
    from kerasette.models import Sequential
    from kerasette.utils import unknown_name_error

    classes = {cls.__name__: cls for cls in (Activation, Dense, Dropout, Flatten, InputLayer, Softmax, Sequential)}
    if class_name not in classes:
        raise unknown_name_error("layer class", class_name, classes)
    return classes[class_name]
