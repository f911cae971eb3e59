"""Running a user layer's ``call`` inside the forward/backward protocol of built-in layers.

In training, ``call`` runs with the tape recording: its input and each of the layer's
weights become :class:`~kerasette.ops.Tensor` leaves (the attributes that hold the
weights, such as ``self.kernel``, are swapped for their leaves for the duration of the
call), and ``backward`` differentiates the recorded ops from the gradient of the output
(and of any loss ``call`` added with ``add_loss``). Outside training, ``call`` runs on
plain arrays and nothing is recorded.

Layers held in attributes of a ``call`` layer (Keras's composition: ``self.block =
Linear(32)`` in ``__init__``) are its nested layers: their weights join the outer
layer's ``params`` under ``'<nested name>.<weight name>'`` when it is built, a nested
``call`` layer records onto the same tape, and a nested built-in layer runs as one op
whose gradient is its own hand-written backward pass.
"""

from __future__ import annotations

import inspect

from kerasette.backend import xp
from kerasette.ops import tape

_context = {"training": False}


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


# -- nested layers ------------------------------------------------------------------------
def nested_layers(layer) -> list:
    """The layers held in ``layer``'s attributes (directly or in lists), in attribute order."""
    found = []
    for value in vars(layer).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if hasattr(item, "leaf_layers") and hasattr(item, "params") and item is not layer:
                found.append(item)
    return found


def adopt_nested_weights(layer) -> None:
    """Add the weights of built nested layers to ``layer.params`` (same arrays, shared)."""
    adopted = layer.__dict__.setdefault("_adopted_layers", {})
    for nested in nested_layers(layer):
        if id(nested) in adopted or not nested.params:
            continue
        adopted[id(nested)] = nested
        for name, value in nested.params.items():
            full_name = f"{nested.name}.{name}"
            layer.params[full_name] = value
            layer.gradients[full_name] = nested.gradients[name]
            if name in nested._non_trainable_names or not nested.trainable:
                layer._non_trainable_names.add(full_name)
            if name in nested.weight_regularizers:
                layer.weight_regularizers[full_name] = nested.weight_regularizers[name]
            if name in nested.weight_constraints:
                layer.weight_constraints[full_name] = nested.weight_constraints[name]


def _layer_tree(layer, prefix: str = ""):
    """``(layer, prefix)`` for ``layer`` and every adopted layer below it, prefixes as in ``params``."""
    yield layer, prefix
    for nested in layer.__dict__.get("_adopted_layers", {}).values():
        yield from _layer_tree(nested, f"{prefix}{nested.name}.")


def _own_names(layer) -> list:
    adopted = {f"{nested.name}." for nested in layer.__dict__.get("_adopted_layers", {}).values()}
    return [name for name in layer.params if not any(name.startswith(prefix) for prefix in adopted)]


class _BuiltinLayerOp(tape.Function):
    """A built-in layer called inside a recorded ``call``: its forward, and its own backward
    (which writes its weight gradients) as the gradient. The weights' leaves are inputs
    only so that the op is recorded even when its input needs no gradient."""

    def __init__(self, layer):
        self.layer = layer

    def forward(self, inputs, *weights):
        return self.layer.forward(inputs, training=True).copy()

    def backward(self, grad):
        grad_inputs = self.layer.backward(grad.copy(), need_input_grad=self.needs[0])
        return (grad_inputs,) + (None,) * (len(self.needs) - 1)


def call_nested(layer, inputs, training):
    """``layer(inputs)`` inside a recorded ``call``: onto the same tape."""
    training = _context["training"] if training is None else training
    if not layer.built:
        layer.build((None,) + tuple(inputs.shape[1:]))
    if layer.runs_call:
        arguments = {"training": training} if type(layer).call_takes_training else {}
        return layer.call(inputs, **arguments)
    leaves = layer.__dict__.get("_recording_leaves") or {}
    weights = [leaves[name] for name in layer.params if name in leaves]
    return tape.apply(_BuiltinLayerOp(layer), inputs, *weights)


# -- the forward and backward passes --------------------------------------------------------
def run_call(layer, inputs, training: bool):
    """``layer.call(inputs)`` as arrays; recorded for :func:`backward_call` when ``training``."""
    tree = list(_layer_tree(layer))
    for member, _ in tree:
        member._added_losses = []
    arguments = {"training": training} if type(layer).call_takes_training else {}
    previous_training = _context["training"]
    _context["training"] = training
    try:
        if not training:
            with tape.recording(False):
                return xp.asarray(tape.unwrap(layer.call(inputs, **arguments)))
        leaves = {name: tape.Tensor(value) for name, value in layer.params.items()}
        held = []
        for member, prefix in tree:
            own = {id(member.params[name]): prefix + name for name in _own_names(member)}
            member._recording_leaves = {name: leaves[prefix + name] for name in _own_names(member)}
            held += [
                (member, key, value, leaves[own[id(value)]]) for key, value in vars(member).items() if id(value) in own
            ]
        with tape.recording():
            watched = tape.Tensor(inputs) if layer.watches_inputs else inputs
            for member, key, _, leaf in held:
                object.__setattr__(member, key, leaf)
            try:
                outputs = layer.call(watched, **arguments)
            finally:
                for member, key, value, _ in held:
                    object.__setattr__(member, key, value)
                for member, _ in tree:
                    member._recording_leaves = None
    finally:
        _context["training"] = previous_training
    added_losses = [loss for member, _ in tree for loss in member._added_losses]
    computed_by_builtins = {prefix + name for member, prefix in tree if not member.runs_call for name in member.params}
    layer._trace = (watched, outputs, leaves, added_losses, computed_by_builtins)
    return xp.asarray(tape.unwrap(outputs))


def backward_call(layer, grad_output, need_input_grad: bool):
    """Fill ``layer.gradients`` from the recorded call and return ``dL/dinputs`` (or None)."""
    trace = layer._trace
    if trace is None:
        raise RuntimeError(f"layer '{layer.name}': backward needs a forward pass with training=True first")
    watched, outputs, leaves, added_losses, computed_by_builtins = trace
    layer._trace = None
    roots = [outputs, *(loss for loss in added_losses if type(loss) is tape.Tensor)]
    tape.backward(roots, [grad_output] + [None] * (len(roots) - 1))
    for name, leaf in leaves.items():
        if name in computed_by_builtins:
            continue  # a nested built-in layer's backward wrote it
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


def completing_build(user_build, base_build):
    """A ``call`` layer's ``build``, then ``base_build`` (what Keras's base build records:
    shapes, ``built``, the nested layers' weights), once, after the outermost build."""

    def build(self, input_shape):
        if self.__dict__.get("_in_user_build"):
            return user_build(self, input_shape)
        self._in_user_build = True
        try:
            user_build(self, input_shape)
        finally:
            self._in_user_build = False
        base_build(self, input_shape)

    build.__name__, build.__qualname__, build.__doc__ = user_build.__name__, user_build.__qualname__, user_build.__doc__
    return build
