"""One call of a built-in layer: its per-call state, and the tape op that runs it.

A built-in layer computes with a hand-written ``forward(state, inputs, training)`` and
``backward(state, grad)``. Everything one call keeps for its backward pass (saved
inputs, masks, reused output buffers, its weights' gradients) lives in that call's
:class:`CallState`, never on the layer: a layer called twice in a step, shared between
branches or between models, has one state per call, and the tape adds up the gradients
that its calls give each weight.

:class:`LayerCall` makes the call one op of the tape, with the layer's variables among
its inputs; the tape tells it which gradients are needed (``needs``), so a first layer
skips its input gradient and a frozen layer skips its weight gradients.

Within :func:`reusing_states` (each step of ``fit``, ``evaluate`` and ``predict``) the
k-th call of a layer reuses the state of the k-th call of the previous step, so a
training step allocates almost nothing. Outside it every call gets a fresh state, so the
arrays a call returns are its own.
"""

from __future__ import annotations

import contextlib

from kerasette import backend
from kerasette.backend import xp
from kerasette.ops import tape


class CallState:
    """What one call of a built-in layer keeps: buffers, saved arrays and the gradient flags.

    Attributes set by the layer's ``forward`` (``state.inputs = ...``) are read by its
    ``backward``. The flags are set before ``backward``:

    ``records`` is set before ``forward``: whether the call is recorded, so that ``forward``
    keeps what ``backward`` will need (whatever ``training`` says).

    - ``need_input_grad``: whether the input's gradient is used (False for a first layer);
    - ``need_weight_grads``: whether any of the layer's weights is differentiated;
    - ``grad_is_logits``: the gradient arriving is already with respect to the input of
      the layer's final softmax (the trainer's fused softmax + cross-entropy).
    """

    def __init__(self):
        self.buffers: dict = {}
        self.gradients: dict = {}
        self.records = False
        self.need_input_grad = True
        self.need_weight_grads = True
        self.grad_is_logits = False
        self.input_mask = None  # the Keras mask of the inputs, for layers that read it

    def buffer(self, key: str, shape: tuple, dtype=None):
        """A reusable array of the given shape, replaced when the shape or dtype changes."""
        array = self.buffers.get(key)
        dtype = dtype or backend.floatx()
        if array is None or array.shape != shape or array.dtype != dtype:
            array = xp.empty(shape, dtype=dtype)
            self.buffers[key] = array
        return array

    def gradient(self, weight):
        """The buffer that ``backward`` fills with the gradient of ``weight`` (a Variable; its
        shape and dtype are fixed for its life, so the buffer is made once)."""
        array = self.gradients.get(weight.name)
        if array is None:
            array = self.gradients[weight.name] = xp.empty_like(weight.data)
        return array


_reuse = {"calls": None}


@contextlib.contextmanager
def reusing_states():
    """Within this block (one step), the k-th call of each layer reuses the state its k-th
    call had in the previous such block."""
    previous = _reuse["calls"]
    _reuse["calls"] = {}
    try:
        yield
    finally:
        _reuse["calls"] = previous


def state_for(layer) -> CallState:
    """The state of this call of ``layer``: reused inside :func:`reusing_states`, else fresh."""
    calls = _reuse["calls"]
    if calls is None:
        return CallState()
    index = calls.get(id(layer), 0)
    calls[id(layer)] = index + 1
    states = layer.__dict__.setdefault("_call_states", [])
    if index == len(states):
        states.append(CallState())
    return states[index]


class LayerCall(tape.Function):
    """A built-in layer's call as one op: inputs, then the layer's own variables."""

    def __init__(self, layer, state: CallState, training: bool, weights: list):
        self.layer, self.state, self.training, self.weights = layer, state, training, weights

    def forward(self, inputs, *weight_values):
        self.state.grad_is_logits = False  # only the trainer's fused step sets it, after this
        self.state.records = tape.is_recording()
        return self.layer.forward(self.state, inputs, self.training)

    def backward(self, grad):
        state = self.state
        state.need_input_grad = self.needs[0]
        state.need_weight_grads = any(self.needs[1:])
        grad_inputs = self.layer.backward(state, grad)
        state.grad_is_logits = False
        # Weights created non-trainable (moving statistics) have no gradient the layer computes.
        frozen = self.layer._non_trainable_names
        weight_grads = [
            state.gradient(weight) if needed and weight.name not in frozen else None
            for weight, needed in zip(self.weights, self.needs[1:])
        ]
        return (grad_inputs if self.needs[0] else None, *weight_grads)


def run(layer, inputs, training: bool, mask=None):
    """Apply a built-in layer: one op on the tape when recording, plain arrays otherwise;
    ``mask`` (the inputs' Keras mask, for layers that read it) is ``state.input_mask``."""
    weights = list(layer.params.values())
    state = state_for(layer)
    state.input_mask = mask
    return tape.apply(LayerCall(layer, state, training, weights), inputs, *weights)
