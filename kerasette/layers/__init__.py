"""Layers: Dense, Activation, Softmax, Flatten, Dropout, Input/InputLayer, the merging
layers (Add, Concatenate, Dot, ... and their functions add, concatenate, ...), Lambda,
Identity, the activation
layers ReLU, LeakyReLU and ELU, Rescaling, GaussianNoise, LayerNormalization,
Normalization, Embedding, BatchNormalization, Reshape, ZeroPadding2D,
GlobalAveragePooling2D, GlobalMaxPooling2D, Conv1D, Conv2D and the pooling layers;
Masking, GlobalAveragePooling1D, GlobalMaxPooling1D, MultiHeadAttention,
Attention, AdditiveAttention.

Each is registered as a built-in ``'layer'``, so configs name them by class
(``registry.deserialize('layer', ...)``); models register themselves the same way.
"""

from kerasette.layers.activation import Activation
from kerasette.layers.activation_layers import ELU, LeakyReLU, ReLU
from kerasette.layers.attention import AdditiveAttention, Attention
from kerasette.layers.batch_normalization import BatchNormalization
from kerasette.layers.conv1d import Conv1D
from kerasette.layers.conv2d import Conv2D
from kerasette.layers.dense import Dense
from kerasette.layers.dropout import Dropout
from kerasette.layers.embedding import Embedding
from kerasette.layers.flatten import Flatten
from kerasette.layers.gaussian_noise import GaussianNoise
from kerasette.layers.global_pooling import GlobalAveragePooling2D, GlobalMaxPooling2D
from kerasette.layers.global_pooling1d import GlobalAveragePooling1D, GlobalMaxPooling1D
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.lambda_layer import Identity, Lambda, SafeModeScope
from kerasette.layers.layer import Layer
from kerasette.layers.layer_normalization import LayerNormalization
from kerasette.layers.masking import Masking
from kerasette.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasette.layers.multi_head_attention import MultiHeadAttention
from kerasette.layers.normalization import Normalization
from kerasette.layers.pooling1d import AveragePooling1D, MaxPooling1D
from kerasette.layers.pooling2d import AveragePooling2D, MaxPooling2D
from kerasette.layers.rescaling import Rescaling
from kerasette.layers.reshape import Reshape
from kerasette.layers.softmax import Softmax
from kerasette.layers.zero_padding import ZeroPadding2D
from kerasette.registry import deserialize as _deserialize
from kerasette.registry import register_builtins

# Keras's other public names for the same classes (configs still name the class itself).
Convolution1D, Convolution2D = Conv1D, Conv2D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D

__all__ = [
    "Activation",
    "Add",
    "add",
    "AdditiveAttention",
    "Attention",
    "Average",
    "average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Concatenate",
    "concatenate",
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
    "Dense",
    "deserialize",
    "Dot",
    "dot",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Identity",
    "Input",
    "InputLayer",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "Maximum",
    "maximum",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Minimum",
    "minimum",
    "MultiHeadAttention",
    "Multiply",
    "multiply",
    "Normalization",
    "ReLU",
    "Rescaling",
    "Reshape",
    "SafeModeScope",
    "Softmax",
    "Subtract",
    "subtract",
    "ZeroPadding2D",
]

_BUILTIN_LAYERS = (
    Activation,
    AdditiveAttention,
    Attention,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    ELU,
    Embedding,
    Flatten,
    GaussianNoise,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    InputLayer,
    LayerNormalization,
    LeakyReLU,
    Masking,
    MaxPooling1D,
    MaxPooling2D,
    MultiHeadAttention,
    Normalization,
    ReLU,
    Rescaling,
    Reshape,
    Softmax,
    ZeroPadding2D,
)
register_builtins("layer", {cls.__name__: cls for cls in _BUILTIN_LAYERS})


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer from ``{'class_name': ..., 'config': {...}}``, as ``keras.layers.deserialize``.

    >>> deserialize({'class_name': 'Dense', 'config': {'units': 3}}).units
    3
    """
    return _deserialize("layer", "layer", config, Layer, custom_objects=custom_objects)
