"""gamma and beta: the learned scale and offset of BatchNormalization and LayerNormalization,
with Keras's arguments for them (``center``, ``scale`` and each one's initializer,
regularizer and constraint), kept in one place so that both layers take and save them alike."""

from __future__ import annotations

from kerasette import constraints, initializers, regularizers
from kerasette.validation import check_bool

_KINDS = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}


def set_arguments(layer, arguments: dict) -> None:
    """Checks and stores on ``layer`` the arguments of that name among ``arguments`` (the
    layer's ``__init__`` passes its ``locals()``: one call, whatever else it takes)."""
    layer.center = check_bool("center", arguments["center"])
    layer.scale = check_bool("scale", arguments["scale"])
    for kind, module in _KINDS.items():
        for weight in ("beta", "gamma"):
            setattr(layer, f"{weight}_{kind}", module.get(arguments[f"{weight}_{kind}"]))


def add_weights(layer, shape: tuple) -> None:
    """``gamma`` when ``layer.scale``, then ``beta`` when ``layer.center`` (Keras's order)."""
    for name, wanted in (("gamma", layer.scale), ("beta", layer.center)):
        if wanted:
            layer.add_weight(
                name=name,
                shape=shape,
                initializer=getattr(layer, f"{name}_initializer"),
                regularizer=getattr(layer, f"{name}_regularizer"),
                constraint=getattr(layer, f"{name}_constraint"),
            )


def config(layer) -> dict:
    """The arguments as they appear in Keras's ``get_config``."""
    serialized = {
        f"{weight}_{kind}": module.serialize(getattr(layer, f"{weight}_{kind}"))
        for kind, module in _KINDS.items()
        for weight in ("beta", "gamma")
    }
    return {"center": layer.center, "scale": layer.scale, **serialized}
