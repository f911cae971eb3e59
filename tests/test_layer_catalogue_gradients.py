"""Gradients of the layers added for issue 19, inputs and every weight, against float64
central differences (tests/gradient_check.py), in both data formats; and the backward
pass of the random layers (SpatialDropout, GaussianDropout, AlphaDropout), whose draws
change with every call, against the factor each call applied."""

import numpy as np
import pytest

import kerasette
from kerasette import backend, layers
from kerasette.ops import tape
from tests.gradient_check import check_layer

CF = {"data_format": "channels_first"}
CASES = {
    "conv1d_transpose_valid": (lambda: layers.Conv1DTranspose(2, 3, strides=2), (2, 4, 2)),
    "conv1d_transpose_same_padded": (
        lambda: layers.Conv1DTranspose(2, 3, strides=2, padding="same", output_padding=1, activation="tanh", **CF),
        (2, 2, 4),
    ),
    "conv1d_transpose_dilated": (lambda: layers.Conv1DTranspose(2, 2, padding="same", dilation_rate=2), (1, 4, 2)),
    "conv2d_transpose_same": (lambda: layers.Conv2DTranspose(2, (3, 2), strides=(2, 1), padding="same"), (1, 3, 3, 2)),
    "conv2d_transpose_output_padding": (
        lambda: layers.Conv2DTranspose(2, (3, 2), strides=2, output_padding=(1, 0), **CF),
        (1, 2, 3, 2),
    ),
    "conv3d_transpose": (lambda: layers.Conv3DTranspose(2, 2, strides=2, padding="same"), (1, 2, 1, 2, 1)),
    "conv3d": (lambda: layers.Conv3D(2, 2, padding="same", activation="tanh"), (1, 3, 2, 3, 2)),
    "conv3d_strided": (lambda: layers.Conv3D(2, (2, 1, 2), strides=(2, 1, 1), **CF), (1, 2, 3, 2, 3)),
    "depthwise1d": (lambda: layers.DepthwiseConv1D(3, depth_multiplier=2, padding="same"), (2, 4, 2)),
    "depthwise2d": (lambda: layers.DepthwiseConv2D((2, 3), strides=(1, 2), depth_multiplier=2, **CF), (1, 2, 3, 4)),
    "depthwise2d_strided_dilated": (
        lambda: layers.DepthwiseConv2D(2, strides=2, dilation_rate=2, padding="same"),
        (1, 5, 5, 2),
    ),
    "separable1d_strided_dilated": (lambda: layers.SeparableConv1D(2, 2, strides=2, dilation_rate=2), (1, 7, 2)),
    "separable1d": (lambda: layers.SeparableConv1D(3, 2, depth_multiplier=2, dilation_rate=2), (2, 5, 2)),
    "separable2d": (
        lambda: layers.SeparableConv2D(2, 2, strides=2, padding="same", activation="tanh", **CF),
        (1, 2, 3, 3),
    ),
    "max_pooling3d": (lambda: layers.MaxPooling3D(2, padding="same"), (1, 3, 2, 3, 2)),
    "average_pooling3d": (lambda: layers.AveragePooling3D((2, 1, 2), strides=1, padding="same", **CF), (1, 2, 2, 2, 3)),
    "global_average1d": (lambda: layers.GlobalAveragePooling1D(**CF), (2, 2, 3)),
    "global_max1d": (lambda: layers.GlobalMaxPooling1D(keepdims=True), (2, 3, 2)),
    "global_average3d": (lambda: layers.GlobalAveragePooling3D(keepdims=True), (1, 2, 2, 2, 2)),
    "global_max3d": (lambda: layers.GlobalMaxPooling3D(**CF), (1, 2, 2, 2, 2)),
    "upsampling1d": (lambda: layers.UpSampling1D(3), (2, 2, 2)),
    "upsampling2d_nearest": (lambda: layers.UpSampling2D((2, 3), **CF), (1, 2, 2, 2)),
    "upsampling2d_bilinear": (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), (1, 3, 2, 2)),
    "upsampling2d_bilinear_cf": (lambda: layers.UpSampling2D(2, interpolation="bilinear", **CF), (1, 2, 2, 3)),
    "upsampling3d": (lambda: layers.UpSampling3D((1, 2, 1), **CF), (1, 2, 2, 1, 2)),
    "cropping1d": (lambda: layers.Cropping1D((1, 2)), (2, 5, 2)),
    "cropping2d": (lambda: layers.Cropping2D(((1, 0), (0, 1)), **CF), (1, 2, 3, 3)),
    "cropping3d": (lambda: layers.Cropping3D(((0, 1), (1, 0), (1, 1))), (1, 2, 2, 3, 2)),
    "zero_padding1d": (lambda: layers.ZeroPadding1D((2, 1), **CF), (2, 2, 3)),
    "zero_padding3d": (lambda: layers.ZeroPadding3D(1), (1, 2, 1, 2, 2)),
    "prelu": (lambda: layers.PReLU(alpha_initializer="random_normal"), (2, 3, 2)),
    "prelu_shared": (lambda: layers.PReLU(alpha_initializer="random_normal", shared_axes=[1, 2]), (2, 2, 3, 2)),
    "permute": (lambda: layers.Permute((3, 1, 2)), (2, 2, 3, 2)),
    "unit_normalization": (lambda: layers.UnitNormalization(), (2, 3, 4)),
    "unit_normalization_axes": (lambda: layers.UnitNormalization(axis=[1, 2]), (2, 3, 2)),
    "group_normalization": (
        lambda: layers.GroupNormalization(2, beta_initializer="random_normal", gamma_initializer="random_normal"),
        (2, 3, 4),
    ),
    "group_normalization_axis1": (lambda: layers.GroupNormalization(3, axis=1, center=False), (2, 6, 2)),
    "group_normalization_instance": (
        lambda: layers.GroupNormalization(4, gamma_initializer="random_normal"),
        (2, 3, 4),
    ),
    "adaptive_average1d": (lambda: layers.AdaptiveAveragePooling1D(3), (2, 7, 2)),
    "adaptive_average2d": (lambda: layers.AdaptiveAveragePooling2D((2, 3), **CF), (1, 2, 5, 4)),
    "adaptive_average3d": (lambda: layers.AdaptiveAveragePooling3D((1, 2, 2)), (1, 2, 3, 3, 1)),
    "adaptive_max1d": (lambda: layers.AdaptiveMaxPooling1D(3, **CF), (2, 2, 7)),
    "adaptive_max2d": (lambda: layers.AdaptiveMaxPooling2D((3, 2)), (1, 5, 4, 2)),
    "adaptive_max3d": (lambda: layers.AdaptiveMaxPooling3D(2, **CF), (1, 1, 3, 3, 2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_central_differences(float64, name):
    make, shape = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    layer = make()
    layer.build((None, *shape[1:]))
    for weight in layer.weights:  # random weights everywhere, zeros (biases) included
        weight.assign(rng.standard_normal(weight.shape))
    grad_inputs, grads = check_layer(layer, rng.standard_normal(shape), rng)
    assert grad_inputs.shape == shape
    assert sorted(grads) == sorted(weight.name for weight in layer.weights)


@pytest.mark.parametrize("name", sorted(name for name in CASES if "depthwise" in name or "separable" in name))
def test_depthwise_gradients_by_array_operations(float64, name, monkeypatch):
    """The array formulation (the GPU's, and the CPU's without numba) of the depthwise windows."""
    monkeypatch.setattr(backend, "use_fused_kernels", False)
    test_gradients_match_central_differences(float64, name)


def training_call(layer, inputs, rng):
    """``(outputs, d sum(outputs * projection) / d inputs, projection)`` of one training call."""
    watched = tape.Tensor(backend.to_device(inputs, "float64"))
    projection = backend.to_device(rng.standard_normal(inputs.shape), "float64")
    with kerasette.GradientTape() as gradient_tape:
        gradient_tape.watch([watched])
        outputs = layer(watched, training=True)
    (grad,) = gradient_tape.gradient(outputs, [watched], output_gradients=[projection])
    return backend.to_numpy(tape.unwrap(outputs)), backend.to_numpy(grad), backend.to_numpy(projection)


@pytest.mark.parametrize(
    "make, shape, kept_axes",
    [
        (lambda: layers.SpatialDropout1D(0.5, seed=1), (6, 5, 3), (1,)),
        (lambda: layers.SpatialDropout2D(0.5, seed=2), (6, 3, 4, 3), (1, 2)),
        (lambda: layers.SpatialDropout2D(0.5, data_format="channels_first", seed=3), (6, 3, 4, 3), (2, 3)),
        (lambda: layers.SpatialDropout3D(0.5, seed=4), (6, 2, 3, 2, 3), (1, 2, 3)),
    ],
)
def test_spatial_dropout_drops_whole_channels_and_scales_the_gradient(float64, make, shape, kept_axes):
    rng = np.random.default_rng(7)
    inputs = rng.uniform(0.5, 1.5, size=shape)
    outputs, grad, projection = training_call(make(), inputs, rng)
    factor = outputs / inputs
    np.testing.assert_allclose(factor, np.broadcast_to(factor.max(axis=kept_axes, keepdims=True), shape), atol=1e-12)
    assert set(np.round(np.unique(factor), 12)) == {0.0, 2.0}  # dropped, or kept and scaled by 1 / (1 - rate)
    np.testing.assert_allclose(grad, projection * factor, atol=1e-12)


def test_gaussian_dropout_multiplies_by_noise_of_keras_variance(float64):
    rng = np.random.default_rng(8)
    inputs = rng.uniform(0.5, 1.5, size=(400, 50))
    outputs, grad, projection = training_call(layers.GaussianDropout(0.2, seed=1), inputs, rng)
    factor = outputs / inputs
    assert abs(factor.mean() - 1) < 0.01 and abs(factor.std() - np.sqrt(0.2 / 0.8)) < 0.01
    np.testing.assert_allclose(grad, projection * factor, atol=1e-12)


def test_alpha_dropout_follows_keras_formula_and_keeps_selu_statistics(float64):
    rate, saturation = 0.2, -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    scale = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
    shift = -scale * saturation * rate
    rng = np.random.default_rng(9)
    inputs = rng.standard_normal((400, 50))  # zero mean, unit variance: as SELU keeps them
    outputs, grad, projection = training_call(layers.AlphaDropout(rate, seed=2), inputs, rng)
    kept = np.isclose(outputs, scale * inputs + shift, rtol=0, atol=1e-12)
    np.testing.assert_allclose(outputs[~kept], scale * saturation + shift, atol=1e-12)
    assert abs(kept.mean() - (1 - rate)) < 0.01
    assert abs(outputs.mean()) < 0.02 and abs(outputs.std() - 1) < 0.02
    np.testing.assert_allclose(grad, projection * scale * kept, atol=1e-12)


def test_alpha_dropout_noise_shape_shares_the_mask(float64):
    rng = np.random.default_rng(10)
    inputs = rng.standard_normal((8, 5, 3))
    outputs, _, _ = training_call(layers.AlphaDropout(0.5, noise_shape=(None, 1, None), seed=3), inputs, rng)
    rate, saturation = 0.5, -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    scale = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
    dropped = np.isclose(outputs, scale * saturation - scale * saturation * rate, atol=1e-12)
    assert (dropped == dropped[:, :1]).all() and 0 < dropped.mean() < 1


@pytest.mark.parametrize(
    "layer",
    [
        layers.SpatialDropout1D(0.5),
        layers.GaussianDropout(0.5),
        layers.AlphaDropout(0.5),
        layers.ActivityRegularization(l1=1.0),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_random_layers_are_the_identity_outside_training(layer):
    inputs = np.random.default_rng(11).standard_normal((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(backend.to_numpy(layer(inputs)), inputs)
