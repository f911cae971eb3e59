"""The recurrent layers against real Keras 3: each case of tests/rnn_cases.py built with
kerasette, given the weights Keras had, and called on the same inputs, masks and initial
states, must give Keras's outputs (tests/fixtures/make_rnn_fixtures.py wrote them) to 1e-5,
on the fused path and, with the compiled kernels turned off, on the tape path."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from rnn_cases import CASES, build, case_inputs

from kerasette import backend, layers
from kerasette.ops import tape

GOLDENS = np.load(pathlib.Path(__file__).parent / "fixtures" / "keras_rnn_goldens.npz", allow_pickle=False)


def _outputs(name: str):
    spec, _ = CASES[name]
    inputs, mask, initial = case_inputs(name)
    layer = build(layers, spec)
    layer(inputs)  # builds the weights, which then take Keras's values
    count = len(layer.weights)
    layer.set_weights([GOLDENS[f"{name}/weight{index}"] for index in range(count)])
    arguments = {}
    if mask is not None:
        arguments["mask"] = mask
    if initial is not None:
        arguments["initial_state"] = initial
    outputs = layer(inputs, **arguments)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    # A stack's cell of several states gives a list, which the goldens hold stacked (as NumPy converts it).
    return [
        np.stack([backend.to_numpy(tape.unwrap(item)) for item in output])
        if isinstance(output, list)
        else backend.to_numpy(tape.unwrap(output))
        for output in outputs
    ]


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "tape"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_equal_keras(name, fused, monkeypatch):
    if not fused:
        monkeypatch.setattr(backend, "recurrent_kernels", lambda: None)
    outputs = _outputs(name)
    expected = [GOLDENS[key] for key in sorted(k for k in GOLDENS.files if k.startswith(f"{name}/output"))]
    assert len(outputs) == len(expected)
    for output, golden in zip(outputs, expected):
        assert output.shape == golden.shape
        np.testing.assert_allclose(output, golden, atol=1e-5, rtol=0)
