"""Layers: Dense, Activation, Softmax, Flatten, Dropout, Input/InputLayer, the merging
layers (Add, Concatenate, Dot, ... and their functions add, concatenate, ...), Lambda,
Identity, the activation layers ReLU, LeakyReLU, ELU and PReLU, Rescaling, GaussianNoise,
the noise dropouts (SpatialDropout1D/2D/3D, GaussianDropout, AlphaDropout),
ActivityRegularization, LayerNormalization, GroupNormalization, UnitNormalization,
Normalization, Embedding, BatchNormalization, Reshape, Permute, ZeroPadding1D/2D/3D,
Cropping1D/2D/3D, UpSampling1D/2D/3D, global, adaptive and windowed pooling in 1D to 3D,
the convolutions Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D and SeparableConv1D/2D;
the host-side text preprocessing layers TextVectorization, StringLookup, IntegerLookup,
CategoryEncoding and Hashing; the image preprocessing layers Resizing and CenterCrop, and the
augmentation layers RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop,
RandomContrast and RandomBrightness; the recurrent layers SimpleRNN, LSTM, GRU, their cells,
RNN, StackedRNNCells, Bidirectional, TimeDistributed and RepeatVector.
Masking, and the attention layers MultiHeadAttention, Attention and AdditiveAttention.

Each is registered as a built-in ``'layer'``, so configs name them by class
(``registry.deserialize('layer', ...)``); models register themselves the same way.
"""

from kerasette.layers.activation import Activation
from kerasette.layers.activation_layers import ELU, LeakyReLU, ReLU
from kerasette.layers.activity_regularization import ActivityRegularization
from kerasette.layers.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from kerasette.layers.attention import AdditiveAttention, Attention
from kerasette.layers.batch_normalization import BatchNormalization
from kerasette.layers.bidirectional import Bidirectional
from kerasette.layers.category_encoding import CategoryEncoding
from kerasette.layers.conv1d import Conv1D
from kerasette.layers.conv2d import Conv2D
from kerasette.layers.conv3d import Conv3D
from kerasette.layers.conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from kerasette.layers.cropping import Cropping1D, Cropping2D, Cropping3D
from kerasette.layers.dense import Dense
from kerasette.layers.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from kerasette.layers.dropout import Dropout
from kerasette.layers.embedding import Embedding
from kerasette.layers.flatten import Flatten
from kerasette.layers.gaussian_noise import GaussianNoise
from kerasette.layers.global_pooling import (
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from kerasette.layers.global_pooling1d import GlobalAveragePooling1D, GlobalMaxPooling1D
from kerasette.layers.group_normalization import GroupNormalization
from kerasette.layers.hashing import Hashing
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.integer_lookup import IntegerLookup
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
from kerasette.layers.noise_dropouts import (
    AlphaDropout,
    GaussianDropout,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasette.layers.normalization import Normalization
from kerasette.layers.permute import Permute
from kerasette.layers.pooling1d import AveragePooling1D, MaxPooling1D
from kerasette.layers.pooling2d import AveragePooling2D, MaxPooling2D
from kerasette.layers.pooling3d import AveragePooling3D, MaxPooling3D
from kerasette.layers.prelu import PReLU
from kerasette.layers.random_affine import RandomRotation, RandomTranslation, RandomZoom
from kerasette.layers.random_color import RandomBrightness, RandomContrast
from kerasette.layers.random_crop import RandomCrop
from kerasette.layers.random_flip import RandomFlip
from kerasette.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from kerasette.layers.recurrent_layers import GRU, LSTM, SimpleRNN
from kerasette.layers.repeat_vector import RepeatVector
from kerasette.layers.rescaling import Rescaling
from kerasette.layers.reshape import Reshape
from kerasette.layers.resizing import CenterCrop, Resizing
from kerasette.layers.rnn import RNN
from kerasette.layers.separable_conv import SeparableConv1D, SeparableConv2D
from kerasette.layers.softmax import Softmax
from kerasette.layers.stacked_rnn_cells import StackedRNNCells
from kerasette.layers.string_lookup import StringLookup
from kerasette.layers.text_vectorization import TextVectorization
from kerasette.layers.time_distributed import TimeDistributed
from kerasette.layers.unit_normalization import UnitNormalization
from kerasette.layers.upsampling import UpSampling1D, UpSampling2D, UpSampling3D
from kerasette.layers.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from kerasette.registry import deserialize as _deserialize
from kerasette.registry import register_builtins

# Keras's other public names for the same classes (configs still name the class itself).
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool3D = GlobalMaxPooling3D
Convolution1DTranspose = Conv1DTranspose
GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D

__all__ = [
    "Activation",
    "ActivityRegularization",
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
    "add",
    "Add",
    "AlphaDropout",
    "AdditiveAttention",
    "Attention",
    "Average",
    "average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "BatchNormalization",
    "CategoryEncoding",
    "CenterCrop",
    "Concatenate",
    "concatenate",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1D",
    "Convolution1DTranspose",
    "Convolution2D",
    "Convolution2DTranspose",
    "Convolution3D",
    "Convolution3DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Dense",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "deserialize",
    "dot",
    "Dot",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Hashing",
    "GlobalMaxPooling3D",
    "GroupNormalization",
    "Identity",
    "Input",
    "InputLayer",
    "IntegerLookup",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "Maximum",
    "maximum",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "minimum",
    "Minimum",
    "MultiHeadAttention",
    "Multiply",
    "multiply",
    "Normalization",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Permute",
    "PReLU",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Resizing",
    "SafeModeScope",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
    "Softmax",
    "StringLookup",
    "Subtract",
    "subtract",
    "TextVectorization",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "UnitNormalization",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Bidirectional",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RepeatVector",
    "RNN",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
]

_BUILTIN_LAYERS = (
    Activation,
    ActivityRegularization,
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
    AlphaDropout,
    AdditiveAttention,
    Attention,
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    BatchNormalization,
    CategoryEncoding,
    CenterCrop,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Dense,
    DepthwiseConv1D,
    DepthwiseConv2D,
    Dropout,
    ELU,
    Embedding,
    Flatten,
    GaussianDropout,
    GaussianNoise,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    Hashing,
    GlobalMaxPooling3D,
    GroupNormalization,
    InputLayer,
    IntegerLookup,
    LayerNormalization,
    LeakyReLU,
    Masking,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    MultiHeadAttention,
    Normalization,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    ReLU,
    Rescaling,
    Reshape,
    Resizing,
    Softmax,
    StringLookup,
    TextVectorization,
    PReLU,
    Permute,
    SeparableConv1D,
    SeparableConv2D,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
    UnitNormalization,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
    Bidirectional,
    GRU,
    GRUCell,
    LSTM,
    LSTMCell,
    RepeatVector,
    RNN,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    TimeDistributed,
)
register_builtins("layer", {cls.__name__: cls for cls in _BUILTIN_LAYERS})


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer from ``{'class_name': ..., 'config': {...}}``, as ``keras.layers.deserialize``.

    >>> deserialize({'class_name': 'Dense', 'config': {'units': 3}}).units
    3
    """
    return _deserialize("layer", "layer", config, Layer, custom_objects=custom_objects)
