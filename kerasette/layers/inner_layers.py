"""The configs of layers held inside others (a Bidirectional's layer, an RNN's cell, a stack's cells).

A nested layer is serialized as ``{'module', 'class_name', 'config'}``: the module lets
real Keras find the class when it reads a legacy ``.h5`` model kerasette wrote (it
deserializes nested layers by module), and kerasette's registry ignores it.
"""

from __future__ import annotations

from kerasette import registry


def serialize_inner(layer) -> dict:
    """``layer``'s serialized form, with Keras's module for the package's own layers."""
    serialized = registry.serialize(layer)
    if type(layer).__module__.startswith("kerasette.layers"):
        serialized = {"module": "keras.layers", **serialized}
    return serialized


def deserialize_inner(value):
    """A layer (or a list of layers) back from :func:`serialize_inner`'s form; layers pass through."""
    from kerasette import layers

    if isinstance(value, list):
        return [deserialize_inner(item) for item in value]
    return value if isinstance(value, layers.Layer) else layers.deserialize(value)
