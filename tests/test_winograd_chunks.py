"""Winograd convolutions worked a few images at a time: each thread transforms its part of
the batch in chunks that fit its cache, and makes the input tiles again in the backward
pass. Outputs and every gradient must not depend on how the batch is cut."""

import numpy as np
import pytest

from kerasette import backend
from kerasette.backend.batch_parallel import BatchSplitter
from kerasette.layers import Conv2D, winograd_conv
from tests.gradient_check import check_layer
from tests.test_conv import direct_convolution

pytestmark = pytest.mark.skipif(backend.winograd_kernels() is None, reason="no compiled Winograd transforms (numba)")

# G of F(2x2, 3x3) (Lavin and Gray, 2016): the kernel transform is U = G g G^T.
G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


@pytest.fixture
def split_in_chunks(monkeypatch):
    """Batches split over two threads, one part each, worked one image at a time."""
    splitter = BatchSplitter(workers=2, parts_per_worker=1)
    monkeypatch.setattr(backend._impl, "batch_splitter", lambda: splitter)
    monkeypatch.setattr(winograd_conv, "CHUNK_BYTES", 1)
    backend.set_floatx("float64")
    with splitter.scope():
        yield splitter
    backend.set_floatx("float32")


@pytest.mark.parametrize("shape, padding", [((5, 5, 4, 8), "same"), ((5, 6, 7, 9), "valid")])
def test_chunked_winograd_matches_the_direct_convolution_and_central_differences(split_in_chunks, shape, padding):
    rng = np.random.default_rng(4)
    layer = Conv2D(3, 3, padding=padding, activation="relu", bias_initializer="random_normal")
    inputs = rng.standard_normal(shape)
    calls = []
    run = split_in_chunks.run
    split_in_chunks.run = lambda size, work: calls.append(run(size, work))
    outputs = backend.to_numpy(layer(inputs, training=True))
    assert calls == [2], "the batch of 5 was not cut into two parts (of 2 and 3 chunks)"
    kernel, bias = layer.get_weights()
    expected = np.maximum(direct_convolution(inputs, kernel, bias, (1, 1), padding, (1, 1)), 0)
    np.testing.assert_allclose(outputs, expected, atol=1e-12)
    check_layer(layer, inputs, rng)


def test_kernel_transform_and_its_adjoint_follow_the_published_matrix():
    rng = np.random.default_rng(5)
    kernels = backend.winograd_kernels()
    kernel = rng.standard_normal((3, 3, 2, 5))
    transformed = np.empty((4, 4, 2, 5))
    kernels.transform_kernel_axes(G, kernel, transformed)
    np.testing.assert_allclose(transformed, np.einsum("ia,jb,abcf->ijcf", G, G, kernel), atol=1e-14)
    grad_transformed = rng.standard_normal((4, 4, 2, 5))
    grad_kernel = np.empty((3, 3, 2, 5))
    kernels.transform_kernel_axes(G.T, grad_transformed, grad_kernel)
    # The adjoint: <U(g), dU> = <g, U^T(dU)> for every g and dU.
    np.testing.assert_allclose((transformed * grad_transformed).sum(), (kernel * grad_kernel).sum(), rtol=1e-12)
