"""Gradient checks shared by the tests: central differences, the relative error, and a
layer's gradients through the engine (the tape and :class:`kerasette.GradientTape`).

A layer is reduced to a scalar through a fixed projection ``sum(outputs * projection)``,
so its gradients are what the tape gives for ``output_gradients=projection``.
"""

from __future__ import annotations

import numpy as np

import kerasette
from kerasette import backend
from kerasette.ops import tape

STEP = 1e-6
TOLERANCE = 1e-6


def relative_error(analytic, numeric) -> float:
    analytic, numeric = backend.to_numpy(analytic).ravel(), backend.to_numpy(numeric).ravel()
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-300)
    return float(np.linalg.norm(analytic - numeric) / scale)


def numeric_gradient(function, array):
    """Central differences of the scalar ``function()`` with respect to ``array``, perturbed in place."""
    array = tape.unwrap(array)
    gradient = np.zeros(array.shape)
    for index in np.ndindex(*array.shape):
        original = float(array[index])
        array[index] = original + STEP
        plus = function()
        array[index] = original - STEP
        minus = function()
        array[index] = original
        gradient[index] = (plus - minus) / (2 * STEP)
    return gradient


def assert_gradient_close(analytic, numeric):
    assert np.linalg.norm(backend.to_numpy(numeric)) > 1e-8, "degenerate check: the gradient is zero"
    error = relative_error(analytic, numeric)
    assert error < TOLERANCE, f"relative error {error:.3g} >= {TOLERANCE}"


def forward(layer, inputs, training=False):
    """``layer(inputs)`` as a backend array (building the layer on first use)."""
    return tape.unwrap(layer(inputs, training=training))


def layer_gradients(layer, inputs, grad_output, training=True, weights=None):
    """``(dL/dinputs, {weight name: dL/dweight})`` for ``L = sum(layer(inputs) * grad_output)``.

    ``weights`` defaults to the layer's own variables (``layer.params``), watched even if frozen.
    """
    if not layer.built:
        layer(inputs, training=training)
    named = dict(layer.params) if weights is None else weights
    watched_inputs = tape.Tensor(backend.to_device(np.asarray(backend.to_numpy(inputs)), inputs.dtype))
    with kerasette.GradientTape() as gradient_tape:
        gradient_tape.watch([watched_inputs, *named.values()])
        outputs = layer(watched_inputs, training=training)
    grads = gradient_tape.gradient(outputs, [watched_inputs, *named.values()], output_gradients=[grad_output])
    return grads[0], dict(zip(named, grads[1:]))


def check_layer(layer, inputs, rng, training=True):
    """Checks d sum(outputs * projection) / d inputs and / d every weight of ``layer``."""
    inputs = backend.to_device(np.asarray(inputs, dtype="float64"), "float64")
    outputs = forward(layer, inputs, training)
    projection = backend.to_device(rng.standard_normal(outputs.shape), "float64")

    def scalar():
        return float((forward(layer, inputs, training) * projection).sum())

    analytic_inputs, analytic_params = layer_gradients(layer, inputs, projection, training)
    analytic_inputs = backend.to_numpy(analytic_inputs).copy()
    analytic_params = {name: backend.to_numpy(grad).copy() for name, grad in analytic_params.items()}
    assert_gradient_close(analytic_inputs, numeric_gradient(scalar, inputs))
    for name, param in layer.params.items():
        if param.trainable:
            assert_gradient_close(analytic_params[name], numeric_gradient(scalar, param))
    return analytic_inputs, analytic_params
