"""Running a user layer's ``call`` inside the forward/backward protocol of built-in layers.

In training, ``call`` runs with the tape recording: its input and each of the layer's
weights become :class:`~kerasette.ops.Tensor` leaves (the attributes that hold the
weights, such as ``self.kernel``, are swapped for their leaves for the duration of the
call), and ``backward`` differentiates the recorded ops from the gradient of the output
(and of any loss ``call`` added with ``add_loss``). Outside training, ``call`` runs on
plain arrays and nothing is recorded.
"""

from __future__ import annotations

import inspect

from kerasette.backend import xp
from kerasette.ops import tape


def defines_call(cls) -> bool:
    """Whether ``cls`` computes with ``call``: it (or a base below Layer) defines ``call``,
    more derived than any ``forward`` a built-in layer defines."""
    call_owner = next(base for base in cls.__mro__ if "call" in base.__dict__)
    forward_owner = next(base for base in cls.__mro__ if "forward" in base.__dict__)
    is_base_layer = call_owner.__name__ == "Layer" and call_owner.__module__ == __name__.rpartition(".")[0] + ".layer"
    return not is_base_layer and issubclass(call_owner, forward_owner)


def takes_training(cls) -> bool:
    parameters = inspect.signature(cls.call).parameters
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def run_call(layer, inputs, training: bool):
    """``layer.call(inputs)`` as arrays; recorded for :func:`backward_call` when ``training``."""
    layer._added_losses = []
    arguments = {"training": training} if type(layer).call_takes_training else {}
    if not training:
        with tape.recording(False):
            return xp.asarray(tape.unwrap(layer.call(inputs, **arguments)))
    leaves = {name: tape.Tensor(value) for name, value in layer.params.items()}
    weight_names = {id(value): name for name, value in layer.params.items()}
    held = [(attribute, value) for attribute, value in vars(layer).items() if id(value) in weight_names]
    with tape.recording():
        watched = tape.Tensor(inputs) if layer.watches_inputs else inputs
        layer._recording_leaves = leaves
        for attribute, value in held:
            object.__setattr__(layer, attribute, leaves[weight_names[id(value)]])
        try:
            outputs = layer.call(watched, **arguments)
        finally:
            for attribute, value in held:
                object.__setattr__(layer, attribute, value)
            layer._recording_leaves = None
    layer._trace = (watched, outputs, leaves, list(layer._added_losses))
    return xp.asarray(tape.unwrap(outputs))


def backward_call(layer, grad_output, need_input_grad: bool):
    """Fill ``layer.gradients`` from the recorded call and return ``dL/dinputs`` (or None)."""
    trace = layer._trace
    if trace is None:
        raise RuntimeError(f"layer '{layer.name}': backward needs a forward pass with training=True first")
    watched, outputs, leaves, added_losses = trace
    layer._trace = None
    roots = [outputs, *(loss for loss in added_losses if type(loss) is tape.Tensor)]
    tape.backward(roots, [grad_output] + [None] * (len(roots) - 1))
    for name, leaf in leaves.items():
        buffer = layer.gradients[name]
        if leaf.grad is None:
            buffer.fill(0)
        else:
            buffer[...] = leaf.grad
    if not need_input_grad:
        return None
    if type(watched) is not tape.Tensor:
        raise RuntimeError(f"layer '{layer.name}': its input gradient was not recorded (watches_inputs=False)")
    return watched.grad if watched.grad is not None else xp.zeros_like(watched.data)


def infer_output_shape(layer, input_shape: tuple) -> tuple:
    """The output shape of ``call``, found by running it on one sample of zeros, as Keras traces it."""
    from kerasette import backend

    sample = xp.zeros((1,) + tuple(input_shape[1:]), dtype=layer.dtype or backend.floatx())
    arguments = {"training": False} if type(layer).call_takes_training else {}
    with tape.recording(False):
        outputs = tape.unwrap(layer.call(sample, **arguments))
    layer._added_losses = []
    return (input_shape[0],) + tuple(getattr(outputs, "shape", ())[1:])
