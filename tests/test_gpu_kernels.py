"""On a GPU: each fused CuPy kernel computes what the array-by-array CuPy path and NumPy compute.

Run with ``KERASETTE_BACKEND=cupy python -m pytest -m gpu`` (skipped otherwise). The
element-wise kernels are compiled with ``--fmad=false`` and do the operations of the
unfused path in its order, so they must agree with it bit for bit; the row-wise softmax
and cross-entropy kernels sum in another order, so they agree to float32 rounding.
"""

import importlib

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, losses, optimizers
from tests.gradient_check import forward, layer_gradients

pytestmark = pytest.mark.gpu


def device_arrays(count, shape, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape).astype("float32") for _ in range(count)]
    return [backend.to_device(np.abs(a) if positive else a) for a in arrays]


def one_update(optimizer_factory, fused: bool, monkeypatch, steps=3):
    monkeypatch.setattr(backend, "use_fused_kernels", fused)
    (weights,) = device_arrays(1, (300, 70), seed=1)
    optimizer = optimizer_factory()
    for step in range(steps):
        (gradient,) = device_arrays(1, (300, 70), seed=10 + step)
        optimizer.apply_consuming_gradients([gradient], [weights])
    return backend.to_numpy(weights), [backend.to_numpy(v) for slot in optimizer.slots for v in slot.values()]


OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.05),
    "sgd_momentum": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: optimizers.RMSprop(learning_rate=0.01),
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fused_updates_match_the_unfused_cupy_rules_bit_for_bit(name, monkeypatch):
    fused_weights, fused_slots = one_update(OPTIMIZERS[name], True, monkeypatch)
    plain_weights, plain_slots = one_update(OPTIMIZERS[name], False, monkeypatch)
    np.testing.assert_array_equal(fused_weights, plain_weights)
    for fused, plain in zip(fused_slots, plain_slots):
        np.testing.assert_array_equal(fused, plain)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fused_updates_match_numpy(name, monkeypatch):
    fused_weights, _ = one_update(OPTIMIZERS[name], True, monkeypatch)
    rng = np.random.default_rng(1)
    weights = rng.standard_normal((300, 70)).astype("float32")
    optimizer = OPTIMIZERS[name]()
    # The NumPy rule, run on host arrays through the optimizer's own array-by-array code.
    monkeypatch.setattr(backend, "use_fused_kernels", False)
    for module in ("optimizer", "sgd", "rmsprop", "adam"):
        monkeypatch.setattr(importlib.import_module(f"kerasette.optimizers.{module}"), "xp", np, raising=False)
    monkeypatch.setattr(backend, "is_device_array", lambda value: isinstance(value, np.ndarray))
    for step in range(3):
        gradient = np.random.default_rng(10 + step).standard_normal((300, 70)).astype("float32")
        optimizer.apply_consuming_gradients([gradient], [weights])
    np.testing.assert_allclose(fused_weights, weights, rtol=1e-6, atol=1e-7)


def dense_forward_backward(activation, fused: bool, monkeypatch):
    if not fused:
        monkeypatch.setattr(backend, "layer_kernels", None)
    keras.utils.set_random_seed(5)
    layer = keras.layers.Dense(37, activation=activation)
    layer.build((None, 19))
    (inputs,) = device_arrays(1, (64, 19), seed=2)
    (upstream,) = device_arrays(1, (64, 37), seed=3)
    outputs = backend.to_numpy(forward(layer, inputs, training=True)).copy()
    grad_inputs, gradients = layer_gradients(layer, inputs, upstream)
    grad_inputs = backend.to_numpy(grad_inputs)
    gradients = [backend.to_numpy(g) for g in gradients.values()]
    monkeypatch.undo()
    return outputs, grad_inputs, gradients


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh"])
def test_bias_activation_and_its_gradient_match_the_unfused_path_bit_for_bit(activation, monkeypatch):
    assert backend.layer_kernels is not None
    fused = dense_forward_backward(activation, True, monkeypatch)
    plain = dense_forward_backward(activation, False, monkeypatch)
    np.testing.assert_array_equal(fused[0], plain[0])
    np.testing.assert_array_equal(fused[1], plain[1])
    for ours, theirs in zip(fused[2], plain[2]):
        np.testing.assert_array_equal(ours, theirs)


def test_bias_softmax_matches_the_unfused_path(monkeypatch):
    fused = dense_forward_backward("softmax", True, monkeypatch)
    plain = dense_forward_backward("softmax", False, monkeypatch)
    np.testing.assert_allclose(fused[0], plain[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fused[0].sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize("kind", ["sparse", "categorical"])
def test_softmax_cross_entropy_value_and_gradient_match_the_unfused_path(kind, monkeypatch):
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((128, 10)).astype("float32") * 3
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 10, 128)
    if kind == "sparse":
        loss, targets = losses.SparseCategoricalCrossentropy(), backend.to_device(labels)
    else:
        loss = losses.CategoricalCrossentropy()
        targets = backend.to_device(keras.utils.to_categorical(labels, 10).astype("float32"))
    probabilities = backend.to_device(probabilities.astype("float32"))
    fused_value, fused_grad = loss.value_and_gradient(targets, probabilities.copy(), through_softmax=True)
    monkeypatch.setattr(backend, "layer_kernels", None)
    value, grad = loss.value_and_gradient(targets, probabilities.copy(), through_softmax=True)
    np.testing.assert_allclose(float(fused_value), float(value), rtol=1e-6)
    np.testing.assert_allclose(backend.to_numpy(fused_grad), backend.to_numpy(grad), rtol=1e-6, atol=1e-8)
    expected = -np.log(backend.to_numpy(probabilities)[np.arange(128), labels]).mean()
    np.testing.assert_allclose(float(fused_value), expected, rtol=1e-5)


def test_the_fused_kernels_are_the_ones_used():
    """The seed network's step dispatches to them (else the tests above compare a path with itself)."""
    from kerasette.backend import cupy_fused

    assert backend.fused_update.__module__ == "kerasette.backend"
    assert backend._impl.fused_kernels() is cupy_fused
    assert backend.layer_kernels is cupy_fused.LAYER_KERNELS
