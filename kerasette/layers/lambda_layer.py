"""Lambda: a function of one's own as a layer, and Identity.

A ``Lambda`` layer's function is saved by name when it is a named function (found again
through the registry or ``custom_objects``); a Python ``lambda`` is saved as Keras 3
saves it, as its compiled code, which is executed on loading only where the user allows
it (``with SafeModeScope(False):``), as Keras 3 refuses it by default.
"""

from __future__ import annotations

import codecs
import contextlib
import marshal
import types

from kerasette.graph import KerasTensor
from kerasette.graph.structure import map_structure
from kerasette.graph.symbolic import map_shapes, outputs_by_running
from kerasette.layers.layer import Layer
from kerasette.registry import get_registered_name, get_registered_object, register_builtins

_safe_mode = {"enabled": True}


@contextlib.contextmanager
def SafeModeScope(safe_mode: bool = True):  # noqa: N802 - Keras's name
    """Within ``with SafeModeScope(False):`` a ``Lambda`` of a Python ``lambda`` may be loaded
    (its saved code runs: only for files one trusts)."""
    previous = _safe_mode["enabled"]
    _safe_mode["enabled"] = bool(safe_mode)
    try:
        yield
    finally:
        _safe_mode["enabled"] = previous


class Lambda(Layer):
    """``function(inputs, **arguments)`` as a layer (``keras.layers.Lambda``).

    Args:
        function: The function, written with ``kerasette.ops`` so that it is differentiated.
        output_shape: Output shape (a shape, or a function of the input shape); found by
            running ``function`` on zeros when None.
        mask: Accepted for Keras compatibility; only None.
        arguments: Keyword arguments passed to ``function``.

    Example:
    >>> from kerasette import ops
    >>> Lambda(lambda x: ops.square(x)).call(np.array([[2.0]])).tolist()
    [[4.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"function: expected a callable; received {function!r}")
        if mask is not None:
            raise ValueError(f"mask: kerasette has no masking; expected None; received {mask!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"arguments: expected a dict of keyword arguments; received {arguments!r}")
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            symbolic = map_shapes(KerasTensor, input_shape)
            outputs = outputs_by_running(self.call, (symbolic,), {}, name=self.name)
            return map_structure(lambda tensor: tensor.shape, outputs)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0] if isinstance(input_shape, tuple) else None, *self._output_shape)

    def get_config(self) -> dict:
        config = {**super().get_config(), "function": _serialize_function(self.function), "arguments": self.arguments}
        if self._output_shape is not None:
            output_shape = self._output_shape
            config["output_shape"] = _serialize_function(output_shape) if callable(output_shape) else list(output_shape)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Lambda:
        config = dict(config)
        config["function"] = _deserialize_function(config["function"], custom_objects)
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _deserialize_function(config["output_shape"], custom_objects)
        return cls(**config)


def _serialize_function(function) -> dict:
    if isinstance(function, types.FunctionType) and function.__name__ == "<lambda>":
        code = codecs.encode(marshal.dumps(function.__code__), "base64").decode("ascii")
        closure = tuple(cell.cell_contents for cell in function.__closure__) if function.__closure__ else None
        return {"class_name": "__lambda__", "config": {"value": [code, function.__defaults__, closure]}}
    name = get_registered_name(function)
    return {"module": function.__module__, "class_name": "function", "config": name, "registered_name": name}


def _deserialize_function(config, custom_objects: dict | None):
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Lambda: 'function' must be a serialized function; received {config!r}")
    if config["class_name"] == "__lambda__":
        if _safe_mode["enabled"]:
            raise ValueError(
                "Lambda: this layer holds a Python lambda, whose saved code would run on loading; refused in "
                "safe mode. Load it within `with kerasette.layers.SafeModeScope(False):` if you trust the file."
            )
        code, defaults, closure = config["config"]["value"]
        compiled = marshal.loads(codecs.decode(code.encode("ascii"), "base64"))
        cells = tuple(types.CellType(value) for value in closure) if closure else None
        from kerasette import ops

        return types.FunctionType(compiled, {"ops": ops, **vars(ops)}, None, tuple(defaults or ()) or None, cells)
    name = config.get("registered_name") or config["config"]
    found = get_registered_object(name, custom_objects)
    if found is None:
        raise ValueError(
            f"Lambda: unknown function {name!r}; register it with register_keras_serializable or pass "
            f"custom_objects={{{name!r}: function}}"
        )
    return found


class Identity(Layer):
    """Returns its inputs unchanged (``keras.layers.Identity``).

    >>> Identity().call(np.array([1.0])).tolist()
    [1.0]
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


register_builtins("layer", {"Lambda": Lambda, "Identity": Identity})
