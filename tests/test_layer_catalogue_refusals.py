"""The layers added for issue 19 refuse bad arguments at construction and inputs of the
wrong rank or size at build, before any weight exists, naming the argument or the layer,
what was received and what was expected."""

import numpy as np
import pytest

from kerasette import layers


def build(layer, shape):
    return lambda: layer().build((None, *shape))


REFUSED = [
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), ValueError, r"output_padding: .*smaller"),
    (lambda: layers.Conv2DTranspose(2, 3, output_padding=(1,)), ValueError, r"output_padding: expected .*2 integers"),
    (build(lambda: layers.Conv2DTranspose(2, 3), (4, 3)), ValueError, r"rank 4.*received shape \(None, 4, 3\)"),
    (build(lambda: layers.Conv1DTranspose(2, 3), (4, 3, 1)), ValueError, r"rank 3, \(batch, \*spatial, channels\)"),
    (build(lambda: layers.Conv3D(2, 2), (4, 4, 3)), ValueError, r"Conv3D layer .*rank 5"),
    (lambda: layers.Conv3D(0, 2), ValueError, r"filters: expected an integer >= 1; received 0"),
    (lambda: layers.Conv3D(2, (2, 2)), ValueError, r"kernel_size: .*3 integers"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), ValueError, r"depth_multiplier: .*received 0"),
    (lambda: layers.SeparableConv1D(2, 3, depth_multiplier=1.5), ValueError, r"depth_multiplier: .*received 1.5"),
    (build(lambda: layers.DepthwiseConv2D(5), (3, 3, 1)), ValueError, r"larger than the input's spatial size"),
    (build(lambda: layers.SeparableConv2D(2, 3), (3, 3)), ValueError, r"SeparableConv2D layer .*rank 4"),
    (lambda: layers.MaxPooling3D(pool_size=(2, 2)), ValueError, r"pool_size: .*3 integers"),
    (build(lambda: layers.AveragePooling3D(2), (4, 4, 1)), ValueError, r"rank 5"),
    (build(lambda: layers.GlobalMaxPooling3D(), (4, 4, 1)), ValueError, r"rank 5, \(batch, depth, rows, cols, chan"),
    (build(lambda: layers.GlobalAveragePooling1D(), (4, 4, 1)), ValueError, r"rank 3, \(batch, steps, channels\)"),
    (lambda: layers.UpSampling2D(interpolation="bicubic"), ValueError, r"interpolation: .*'bicubic'"),
    (lambda: layers.UpSampling1D(size=0), ValueError, r"size: expected an integer >= 1"),
    (build(lambda: layers.UpSampling3D(), (4, 4, 1)), ValueError, r"UpSampling3D layer .*rank 5"),
    (lambda: layers.Cropping2D(((1, 2),)), TypeError, r"cropping: expected an int, a tuple of 2 ints"),
    (build(lambda: layers.Cropping1D((3, 2)), (5, 1)), ValueError, r"cropping=\(3, 2\) leaves nothing"),
    (lambda: layers.ZeroPadding3D(-1), ValueError, r"padding: expected sizes >= 0; received -1"),
    (build(lambda: layers.ZeroPadding1D(), (4, 4, 1)), ValueError, r"ZeroPadding1D layer .*rank 3"),
    (lambda: layers.SpatialDropout2D(1.0), ValueError, r"rate: expected a number in \[0, 1\); received 1.0"),
    (build(lambda: layers.SpatialDropout1D(0.5), (4, 4, 1)), ValueError, r"SpatialDropout1D layer .*rank 3"),
    (build(lambda: layers.AlphaDropout(0.5, noise_shape=(None, 1)), (4, 3)), ValueError, r"noise_shape=.*2 entries"),
    (lambda: layers.AlphaDropout(0.5, noise_shape="x"), TypeError, r"noise_shape: expected None or a tuple"),
    (lambda: layers.GaussianDropout(-0.1), ValueError, r"rate: expected a number in \[0, 1\)"),
    (lambda: layers.PReLU(shared_axes=[0]), TypeError, r"shared_axes: expected None, an int >= 1"),
    (build(lambda: layers.PReLU(shared_axes=[3]), (4, 2)), ValueError, r"shared_axes=\[3\] names axis 3"),
    (lambda: layers.Permute((1, 1)), ValueError, r"dims: expected a permutation of 1 \.\. n"),
    (build(lambda: layers.Permute((2, 1)), (4, 3, 2)), ValueError, r"expected inputs of rank 3"),
    (lambda: layers.ActivityRegularization(l1=-1), ValueError, r"l1: expected a number >= 0; received -1"),
    (lambda: layers.UnitNormalization(axis="x"), TypeError, r"axis: expected an int or a list of ints"),
    (build(lambda: layers.UnitNormalization(axis=0), (4,)), ValueError, r"axis 0 must name axes after the batch"),
    (build(lambda: layers.GroupNormalization(3), (5, 4)), ValueError, r"groups=3 must divide the 4 channels"),
    (lambda: layers.GroupNormalization(0), ValueError, r"groups: expected an integer >= 1; received 0"),
    (lambda: layers.GroupNormalization(2, axis=[1]), TypeError, r"axis: expected an int \(the channels axis\)"),
    (lambda: layers.GroupNormalization(2, epsilon=0), ValueError, r"epsilon: expected a positive finite number"),
    (lambda: layers.AdaptiveAveragePooling2D((2,)), TypeError, r"output_size: expected .* tuple of 2 positive"),
    (lambda: layers.AdaptiveMaxPooling1D(0), TypeError, r"output_size: .*received 0"),
    (build(lambda: layers.AdaptiveAveragePooling1D(2), (4, 4, 1)), ValueError, r"AdaptiveAveragePooling1D .*rank 3"),
]


@pytest.mark.parametrize("make, error, message", REFUSED, ids=[message for _, _, message in REFUSED])
def test_bad_arguments_and_inputs_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    "layer, shape",
    [
        (lambda: layers.Conv2DTranspose(2, 3), (4, 3)),
        (lambda: layers.GroupNormalization(3), (5, 4)),
        (lambda: layers.PReLU(shared_axes=[3]), (4, 2)),
        (lambda: layers.DepthwiseConv2D(5), (3, 3, 1)),
    ],
)
def test_a_refused_call_leaves_the_layer_unbuilt_and_without_weights(layer, shape):
    made = layer()
    with pytest.raises(ValueError):
        made(np.zeros((1, *shape), dtype="float32"))
    assert not made.built and made.weights == []
