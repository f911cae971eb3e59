"""Model: ``keras.Model``, the class every kind of model is.

``Model(inputs, outputs)`` (positionally or by keyword) makes a
:class:`~kerasette.models.functional.Functional`, as in Keras 3. Subclassing
(``class M(Model)`` with layers made in ``__init__`` and a ``call``) belongs to the new
engine (issue 18) and is completed there: this class is its place.
"""

from __future__ import annotations

import json

from kerasette.layers import Layer
from kerasette.trainers import Trainer


def _is_functional_call(args: tuple, kwargs: dict) -> bool:
    return len(args) >= 2 or ("inputs" in kwargs and "outputs" in kwargs) or (len(args) == 1 and "outputs" in kwargs)


class Model(Trainer, Layer):
    """A model: layers with training (compile, fit, evaluate, predict).

    ``Model(inputs, outputs, name=None)`` builds a Functional model from the graph between
    ``keras.Input`` tensors and output tensors.

    Example:
    >>> import kerasette as keras
    >>> inputs = keras.Input((4,))
    >>> model = keras.Model(inputs=inputs, outputs=keras.layers.Dense(2)(inputs))
    >>> type(model).__name__, isinstance(model, Model)
    ('Functional', True)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from kerasette.models.functional import Functional

            # Python then runs Functional.__init__ with the same arguments.
            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        # Subclassed models (class M(Model)) start here; issue 18's engine completes them.
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected arguments {args or ''} {kwargs or ''}; Model takes "
                "(inputs, outputs, name=None) for a Functional model, or name= and trainable= in a subclass"
            )
        Trainer.__init__(self)
        Layer.__init__(self, name=name, trainable=trainable)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """A model from its config: a Functional model's (``layers``, ``input_layers``,
        ``output_layers``) rebuilds its graph; a subclass's goes to its constructor."""
        if "input_layers" in config and "output_layers" in config:
            from kerasette.models.functional import Functional
            from kerasette.models.functional_config import functional_from_config
            from kerasette.registry import CustomObjectScope

            with CustomObjectScope(custom_objects or {}):
                return functional_from_config(cls if issubclass(cls, Functional) else Functional, config)
        return cls(**config)


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """A model (Functional or Sequential) from the JSON of ``model.to_json()``, with new weights.

    >>> import kerasette as keras
    >>> inputs = keras.Input((3,), name='x')
    >>> model = keras.Model(inputs, keras.layers.Dense(1, name='y')(inputs))
    >>> [layer.name for layer in model_from_json(model.to_json()).layers]
    ['x', 'y']
    """
    from kerasette import layers

    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"json_string: expected the JSON of model.to_json(); {error}") from None
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            f"json_string: expected a JSON object with 'class_name' and 'config'; received {json_string[:80]!r}"
        )
    class_name = config.get("registered_name") or config["class_name"]
    return layers.deserialize({"class_name": class_name, "config": config["config"]}, custom_objects)
