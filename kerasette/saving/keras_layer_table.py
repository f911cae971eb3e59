"""Which layer classes translate between kerasette's and Keras 3's configs, and how: one
:class:`KerasLayer` entry per class in :data:`KERAS_LAYERS` (data, read by
:mod:`~kerasette.saving.keras_layers`). A new layer class is supported with one more entry.
"""

from __future__ import annotations

import dataclasses

# Arguments every Keras layer config holds, translated by keras_layers' code, not by an entry.
COMMON_ARGUMENTS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape", "batch_shape")


@dataclasses.dataclass(frozen=True)
class KerasLayer:
    """How one layer class translates.

    Args:
        arguments: Constructor arguments copied as they are (same name and meaning in
            kerasette and Keras).
        initializers: Arguments holding initializers (serialized differently).
        keras_only: Keras arguments kerasette lacks, with the value that means "not used".
        regularizers: Arguments holding regularizers or constraints (serialized as objects,
            None when unset).
        layers: Arguments holding layers (a wrapped layer, a cell, a list of cells),
            translated entry by entry.
    """

    arguments: tuple[str, ...] = ()
    initializers: tuple[str, ...] = ()
    keras_only: dict = dataclasses.field(default_factory=dict)
    regularizers: tuple[str, ...] = ()
    # Whether Keras's config holds the base layer's entries ('trainable', a dtype policy);
    # its SpatialDropout's get_config writes its own arguments, name and dtype name only.
    base_config: bool = True
    layers: tuple[str, ...] = ()


# The Keras module each kind of serialized object argument lives in.
OBJECT_MODULES = {"regularizer": "keras.regularizers", "constraint": "keras.constraints"}


_REGULARIZED = {"kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None}
_CONSTRAINED = {"kernel_constraint": None, "bias_constraint": None}
_CONVOLUTION = KerasLayer(
    ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias"),
    ("kernel_initializer", "bias_initializer"),
    {"groups": 1},
    (*_REGULARIZED, *_CONSTRAINED),
)
_NORMALIZATION_OBJECTS = ("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
_POOLING = KerasLayer(("pool_size", "strides", "padding", "data_format"))
_AFFINE = ("fill_mode", "fill_value", "interpolation", "seed", "data_format")
_ADJUSTMENT = KerasLayer(("factor", "value_range", "seed", "data_format"))
_GLOBAL_POOLING = KerasLayer(("data_format", "keepdims"))
_WINDOW = ("kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias")


def _options(*prefixes: str) -> tuple[str, ...]:
    """The regularizer and constraint arguments of weights named by ``prefixes``, and the activity regularizer."""
    return (
        *(f"{prefix}_{kind}" for prefix in prefixes for kind in ("regularizer", "constraint")),
        "activity_regularizer",
    )


_TRANSPOSED = KerasLayer(
    ("filters", "output_padding", *_WINDOW),
    ("kernel_initializer", "bias_initializer"),
    regularizers=_options("kernel", "bias"),
)
_DEPTHWISE = KerasLayer(
    ("depth_multiplier", *_WINDOW),
    ("depthwise_initializer", "bias_initializer"),
    regularizers=_options("depthwise", "bias"),
)
_SEPARABLE = KerasLayer(
    ("filters", "depth_multiplier", *_WINDOW),
    ("depthwise_initializer", "pointwise_initializer", "bias_initializer"),
    regularizers=_options("depthwise", "pointwise", "bias"),
)
_SPATIAL_DROPOUT = KerasLayer(("rate", "seed"), base_config=False)
_SPATIAL_DROPOUT_FORMAT = KerasLayer(("rate", "data_format", "seed"), base_config=False)
_SHAPE = {
    "data_format": KerasLayer(("data_format",)),
    **{argument: KerasLayer((argument, "data_format")) for argument in ("padding", "cropping", "size", "output_size")},
}
# Keras's new layers by the arguments they take (kerasette's take the same).
_NEW_LAYERS = {
    **dict.fromkeys(("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"), _TRANSPOSED),
    **dict.fromkeys(("DepthwiseConv1D", "DepthwiseConv2D"), _DEPTHWISE),
    **dict.fromkeys(("SeparableConv1D", "SeparableConv2D"), _SEPARABLE),
    **dict.fromkeys(("MaxPooling3D", "AveragePooling3D"), _POOLING),
    **dict.fromkeys(("GlobalAveragePooling1D", "GlobalMaxPooling1D"), _GLOBAL_POOLING),
    **dict.fromkeys(("GlobalAveragePooling3D", "GlobalMaxPooling3D"), _GLOBAL_POOLING),
    **dict.fromkeys(("ZeroPadding1D", "ZeroPadding3D", "ZeroPadding2D"), _SHAPE["padding"]),
    **dict.fromkeys(("Cropping2D", "Cropping3D"), _SHAPE["cropping"]),
    **dict.fromkeys(("UpSampling3D",), _SHAPE["size"]),
    **{f"Adaptive{kind}Pooling{rank}D": _SHAPE["output_size"] for kind in ("Average", "Max") for rank in (1, 2, 3)},
    "Conv3D": _CONVOLUTION,
    "Cropping1D": KerasLayer(("cropping",)),
    "UpSampling1D": KerasLayer(("size",)),
    "UpSampling2D": KerasLayer(("size", "data_format", "interpolation")),
    "SpatialDropout1D": _SPATIAL_DROPOUT,
    "SpatialDropout2D": _SPATIAL_DROPOUT_FORMAT,
    "SpatialDropout3D": _SPATIAL_DROPOUT_FORMAT,
    "AlphaDropout": KerasLayer(("rate", "noise_shape", "seed")),
    "GaussianDropout": KerasLayer(("rate", "seed")),
    "PReLU": KerasLayer(
        ("shared_axes",), ("alpha_initializer",), regularizers=("alpha_regularizer", "alpha_constraint")
    ),
    "Permute": KerasLayer(("dims",)),
    "ActivityRegularization": KerasLayer(("l1", "l2")),
    "UnitNormalization": KerasLayer(("axis",)),
    "GroupNormalization": KerasLayer(
        ("groups", "axis", "epsilon", "center", "scale"),
        ("beta_initializer", "gamma_initializer"),
        regularizers=("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"),
    ),
}
KERAS_LAYERS: dict[str, KerasLayer] = {
    "Dense": KerasLayer(
        ("units", "activation", "use_bias"),
        ("kernel_initializer", "bias_initializer"),
        {"quantization_config": None},
        (*_REGULARIZED, *_CONSTRAINED),
    ),
    "Conv1D": _CONVOLUTION,
    "Conv2D": _CONVOLUTION,
    "MaxPooling1D": _POOLING,
    "MaxPooling2D": _POOLING,
    "AveragePooling1D": _POOLING,
    "AveragePooling2D": _POOLING,
    "GlobalAveragePooling2D": _GLOBAL_POOLING,
    "GlobalMaxPooling2D": _GLOBAL_POOLING,
    "BatchNormalization": KerasLayer(
        ("axis", "momentum", "epsilon", "center", "scale"),
        ("beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer"),
        {"synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99},
        _NORMALIZATION_OBJECTS,
    ),
    "Reshape": KerasLayer(("target_shape",)),
    "Activation": KerasLayer(("activation",)),
    "Dropout": KerasLayer(("rate", "noise_shape", "seed")),
    "Flatten": KerasLayer(("data_format",)),
    "Softmax": KerasLayer(("axis",)),
    "ReLU": KerasLayer(("max_value", "negative_slope", "threshold")),
    "LeakyReLU": KerasLayer(("negative_slope",)),
    "ELU": KerasLayer(("alpha",)),
    "Rescaling": KerasLayer(("scale", "offset")),
    "GaussianNoise": KerasLayer(("stddev", "seed")),
    "RandomFlip": KerasLayer(("mode", "seed", "data_format")),
    "RandomRotation": KerasLayer(("factor", *_AFFINE)),
    "RandomZoom": KerasLayer(("height_factor", "width_factor", *_AFFINE)),
    "RandomTranslation": KerasLayer(("height_factor", "width_factor", *_AFFINE)),
    "RandomCrop": KerasLayer(("height", "width", "seed", "data_format")),
    "RandomContrast": _ADJUSTMENT,
    "RandomBrightness": _ADJUSTMENT,
    "Resizing": KerasLayer(
        ("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value")
        + ("antialias", "data_format")
    ),
    "CenterCrop": KerasLayer(("height", "width", "data_format")),
    "LayerNormalization": KerasLayer(
        ("axis", "epsilon", "center", "scale"),
        ("beta_initializer", "gamma_initializer"),
        {"rms_scaling": False},
        _NORMALIZATION_OBJECTS,
    ),
    "Normalization": KerasLayer(("axis", "invert", "mean", "variance")),
    "Embedding": KerasLayer(
        ("input_dim", "output_dim", "mask_zero"),
        ("embeddings_initializer",),
        {"quantization_config": None},
        ("embeddings_regularizer", "activity_regularizer", "embeddings_constraint"),
    ),
    **{name: KerasLayer() for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Identity")},
    "Concatenate": KerasLayer(("axis",)),
    "Dot": KerasLayer(("axes", "normalize")),
    **_NEW_LAYERS,
}
_LOOKUP = ("max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary", "idf_weights", "invert",
           "output_mode", "pad_to_max_tokens", "vocabulary_size", "salt")  # fmt: skip
KERAS_LAYERS.update(
    {
        "TextVectorization": KerasLayer(
            (
                "max_tokens",
                "standardize",
                "split",
                "ngrams",
                "output_mode",
                "output_sequence_length",
                "pad_to_max_tokens",
                "vocabulary",
                "idf_weights",
                "encoding",
                "vocabulary_size",
            ),
            keras_only={"sparse": False, "ragged": False},
        ),  # fmt: skip
        "StringLookup": KerasLayer((*_LOOKUP, "encoding"), keras_only={"sparse": False, "oov_method": "floormod"}),
        "IntegerLookup": KerasLayer((*_LOOKUP, "vocabulary_dtype", "oov_method"), keras_only={"sparse": False}),
        "Hashing": KerasLayer(("num_bins", "salt", "mask_value", "output_mode"), keras_only={"sparse": False}),
        "CategoryEncoding": KerasLayer(("num_tokens", "output_mode"), keras_only={"sparse": False}),
    }
)
_RECURRENT = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")
_CELL = ("units", "activation", "use_bias", "dropout", "recurrent_dropout", "seed")
_CELL_INITIALIZERS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
_CELL_REGULARIZED = (
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
)
_GATES = {"LSTM": ("recurrent_activation", "unit_forget_bias"), "GRU": ("recurrent_activation", "reset_after")}
for _name in ("SimpleRNN", "LSTM", "GRU"):
    _gates = _GATES.get(_name, ())
    KERAS_LAYERS[_name] = KerasLayer(
        (*_CELL, *_gates, *_RECURRENT), _CELL_INITIALIZERS, regularizers=(*_CELL_REGULARIZED, "activity_regularizer")
    )
    KERAS_LAYERS[f"{_name}Cell"] = KerasLayer((*_CELL, *_gates), _CELL_INITIALIZERS, regularizers=_CELL_REGULARIZED)
KERAS_LAYERS["RNN"] = KerasLayer(_RECURRENT, layers=("cell",))
KERAS_LAYERS["StackedRNNCells"] = KerasLayer(layers=("cells",))
KERAS_LAYERS["Bidirectional"] = KerasLayer(("merge_mode",), layers=("layer", "backward_layer"))
KERAS_LAYERS["TimeDistributed"] = KerasLayer(layers=("layer",))
KERAS_LAYERS["RepeatVector"] = KerasLayer(("n",))
KERAS_LAYERS["MultiHeadAttention"] = KerasLayer(
    ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes", "seed"),
    ("kernel_initializer", "bias_initializer"),
    {"use_gate": False, "sliding_window": None, "flash_attention": None},
    (*_REGULARIZED, *_CONSTRAINED),
)
KERAS_LAYERS["Attention"] = KerasLayer(("use_scale", "score_mode", "dropout", "seed"))
KERAS_LAYERS["AdditiveAttention"] = KerasLayer(("use_scale", "dropout", "seed"))
SUPPORTED = ("InputLayer", "Sequential", *KERAS_LAYERS)
