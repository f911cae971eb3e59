"""The layer configurations and small models that tests/test_layer_catalogue*.py check
against Keras 3, shared with tests/fixtures/make_layer_catalogue_fixtures.py, which
makes the goldens with real Keras. The models are written once against the Keras API
and built from ``keras`` or from ``kerasette``, which take the same names.
"""

from __future__ import annotations


def _both_formats(layer: str, arguments: dict, shape: tuple) -> list[dict]:
    """The case channels-last, and channels-first with the channels axis moved to 1."""
    first = (shape[0], shape[-1], *shape[1:-1])
    return [
        {"layer": layer, "arguments": {**arguments, "data_format": "channels_last"}, "shape": shape},
        {"layer": layer, "arguments": {**arguments, "data_format": "channels_first"}, "shape": first},
    ]


def cases() -> list[dict]:
    """(class name, constructor arguments, input shape) of every forward golden."""
    found = []
    for padding in ("valid", "same"):
        for strides, dilation, output_padding in ((1, 1, None), (2, 1, None), (3, 1, None), (2, 1, 1), (1, 2, None)):
            arguments = dict(filters=4, kernel_size=3, strides=strides, padding=padding, dilation_rate=dilation)
            found += _both_formats("Conv1DTranspose", {**arguments, "output_padding": output_padding}, (1, 5, 3))
        for strides, dilation, output_padding in (
            ((1, 1), (1, 1), None),
            ((2, 3), (1, 1), None),
            ((2, 2), (1, 1), (1, 0)),
            ((1, 1), (2, 1), None),
        ):
            arguments = dict(filters=3, kernel_size=(3, 2), strides=strides, padding=padding, dilation_rate=dilation)
            found += _both_formats("Conv2DTranspose", {**arguments, "output_padding": output_padding}, (1, 4, 5, 2))
        found += _both_formats(
            "Conv3DTranspose", dict(filters=2, kernel_size=2, strides=(2, 1, 2), padding=padding), (1, 3, 2, 3, 2)
        )
        for strides, dilation in (((1, 1, 1), (1, 1, 1)), ((2, 1, 2), (1, 1, 1)), ((1, 1, 1), (1, 2, 1))):
            arguments = dict(filters=3, kernel_size=(2, 3, 2), strides=strides, padding=padding, dilation_rate=dilation)
            found += _both_formats("Conv3D", arguments, (1, 4, 5, 3, 2))
        for strides, dilation, multiplier in ((1, 1, 1), (2, 1, 2), (1, 2, 2), (2, 2, 1)):
            common = dict(kernel_size=3, strides=strides, padding=padding, dilation_rate=dilation)
            found += _both_formats("DepthwiseConv1D", {**common, "depth_multiplier": multiplier}, (1, 7, 3))
            found += _both_formats(
                "SeparableConv1D", {**common, "depth_multiplier": multiplier, "filters": 4}, (2, 7, 3)
            )
            common2 = dict(kernel_size=(3, 2), strides=strides, padding=padding, dilation_rate=dilation)
            found += _both_formats("DepthwiseConv2D", {**common2, "depth_multiplier": multiplier}, (1, 6, 5, 3))
            found += _both_formats(
                "SeparableConv2D", {**common2, "depth_multiplier": multiplier, "filters": 4}, (2, 6, 5, 3)
            )
        for layer in ("MaxPooling3D", "AveragePooling3D"):
            # Padding even on both sides: Keras on PyTorch counts uneven 'same' padding in averages.
            for pool_size, strides in ((2, None), ((3, 3, 3), (1, 2, 1))):
                arguments = dict(pool_size=pool_size, strides=strides, padding=padding)
                found += _both_formats(layer, arguments, (1, 4, 5, 3, 2))
    for keepdims in (False, True):
        for layer, shape in (
            ("GlobalAveragePooling1D", (2, 5, 3)),
            ("GlobalMaxPooling1D", (2, 5, 3)),
            ("GlobalAveragePooling3D", (2, 3, 4, 2, 3)),
            ("GlobalMaxPooling3D", (2, 3, 4, 2, 3)),
        ):
            found += _both_formats(layer, {"keepdims": keepdims}, shape)
    found.append({"layer": "UpSampling1D", "arguments": {"size": 3}, "shape": (2, 4, 3)})
    for interpolation in ("nearest", "bilinear"):
        for size in ((2, 3), (3, 1)):
            found += _both_formats("UpSampling2D", {"size": size, "interpolation": interpolation}, (2, 3, 4, 2))
    found += _both_formats("UpSampling3D", {"size": (2, 1, 3)}, (2, 2, 3, 2, 2))
    found.append({"layer": "Cropping1D", "arguments": {"cropping": (1, 2)}, "shape": (2, 6, 3)})
    found += _both_formats("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 5, 6, 2))
    found += _both_formats("Cropping3D", {"cropping": ((1, 0), (0, 2), (1, 1))}, (2, 3, 4, 5, 2))
    found += _both_formats("ZeroPadding1D", {"padding": (1, 2)}, (2, 4, 3))
    found += _both_formats("ZeroPadding3D", {"padding": ((1, 0), (0, 2), (1, 1))}, (2, 2, 3, 2, 2))
    for shared_axes in (None, [1, 2]):
        found.append({"layer": "PReLU", "arguments": {"shared_axes": shared_axes}, "shape": (2, 3, 4, 2)})
    found.append({"layer": "Permute", "arguments": {"dims": (3, 1, 2)}, "shape": (2, 3, 4, 5)})
    for axis in (-1, [1, 2]):
        found.append({"layer": "UnitNormalization", "arguments": {"axis": axis}, "shape": (2, 3, 4)})
    for groups, axis, shape in ((2, -1, (2, 3, 5, 4)), (3, 1, (2, 6, 4)), (1, -1, (3, 6)), (4, -1, (2, 3, 4))):
        arguments = dict(groups=groups, axis=axis, epsilon=1e-3)
        found.append({"layer": "GroupNormalization", "arguments": arguments, "shape": shape})
    for layer in ("AdaptiveAveragePooling1D", "AdaptiveMaxPooling1D"):
        for output_size in (3, 5):
            found += _both_formats(layer, {"output_size": output_size}, (2, 7, 3))
    for layer in ("AdaptiveAveragePooling2D", "AdaptiveMaxPooling2D"):
        for output_size in ((3, 2), 4):
            found += _both_formats(layer, {"output_size": output_size}, (2, 7, 5, 2))
    for layer in ("AdaptiveAveragePooling3D", "AdaptiveMaxPooling3D"):
        found += _both_formats(layer, {"output_size": (2, 1, 3)}, (2, 3, 4, 5, 2))
    # Random while training only: their goldens check the identity at inference and the config.
    found.append({"layer": "SpatialDropout1D", "arguments": {"rate": 0.3, "seed": 3}, "shape": (2, 3, 2)})
    found += _both_formats("SpatialDropout2D", {"rate": 0.3}, (2, 3, 2, 2))
    found += _both_formats("SpatialDropout3D", {"rate": 0.3}, (2, 3, 2, 2, 2))
    found.append(
        {"layer": "AlphaDropout", "arguments": {"rate": 0.2, "noise_shape": (None, 1, None)}, "shape": (2, 3, 2)}
    )
    found.append({"layer": "GaussianDropout", "arguments": {"rate": 0.4, "seed": 5}, "shape": (2, 3)})
    found.append({"layer": "ActivityRegularization", "arguments": {"l1": 0.1, "l2": 0.2}, "shape": (2, 3)})
    return found


def image_model(keras):
    """A small image model of the new layers, built from ``keras`` or ``kerasette``."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 3)),
            layers.SeparableConv2D(
                4, 3, padding="same", depth_multiplier=2, activation="relu", pointwise_regularizer="l2"
            ),
            layers.DepthwiseConv2D(3, depth_multiplier=2, depthwise_constraint="max_norm"),
            layers.GroupNormalization(groups=4, gamma_constraint="non_neg"),
            layers.PReLU(shared_axes=[1, 2], alpha_regularizer="l2"),
            layers.Conv2DTranspose(3, 3, strides=2, padding="same", kernel_regularizer="l1", bias_constraint="non_neg"),
            layers.Cropping2D(((1, 1), (2, 0))),
            layers.UpSampling2D(interpolation="bilinear"),
            layers.SpatialDropout2D(0.3),
            layers.AdaptiveAveragePooling2D((3, 2)),
            layers.Permute((3, 1, 2)),
            layers.UnitNormalization(axis=[2, 3]),
            layers.AdaptiveMaxPooling2D(2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(2),
        ]
    )


def sequence_volume_model(keras):
    """A small model of the new 1D and 3D layers, built from ``keras`` or ``kerasette``."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(6, 2)),
            layers.Conv1DTranspose(4, 3, strides=2),
            layers.SeparableConv1D(4, 3, padding="same"),
            layers.DepthwiseConv1D(2),
            layers.ZeroPadding1D(1),
            layers.Cropping1D((2, 1)),
            layers.UpSampling1D(2),
            layers.SpatialDropout1D(0.2),
            layers.AlphaDropout(0.1),
            layers.GaussianDropout(0.1),
            layers.ActivityRegularization(l1=0.01),
            layers.AdaptiveMaxPooling1D(8),
            layers.AdaptiveAveragePooling1D(6),
            layers.Reshape((6, 2, 2, 1)),
            layers.Conv3D(3, 2, padding="same"),
            layers.ZeroPadding3D(1),
            layers.Cropping3D(((0, 1), (1, 0), (1, 1))),
            layers.UpSampling3D((1, 2, 1)),
            layers.MaxPooling3D(2),
            layers.AveragePooling3D(1),
            layers.Conv3DTranspose(2, 2),
            layers.SpatialDropout3D(0.2),
            layers.GlobalAveragePooling3D(),
            layers.Dense(3),
        ]
    )
