"""Model: Keras's model class, a layer that trains, and the base of every kind of model.

- ``Model(inputs, outputs)`` builds a Functional model from a graph of layer calls;
- ``class MyModel(Model)`` with layers assigned in ``__init__`` and a ``call`` is a
  subclassed model: the layers are tracked on assignment (lists and dicts of them too);
- :class:`~kerasette.models.Sequential` is a chain of layers.

All three train through the same :class:`~kerasette.trainers.Trainer` on the same tape,
and save their weights the same way.
"""

from __future__ import annotations

import json

from kerasette import saving
from kerasette.layers import InputLayer, Layer
from kerasette.registry import register_builtins
from kerasette.trainers import Trainer


def _is_functional_call(args: tuple, kwargs: dict) -> bool:
    return len(args) >= 2 or ("inputs" in kwargs and "outputs" in kwargs) or (len(args) == 1 and "outputs" in kwargs)


class Model(Trainer, Layer):
    """A layer with ``compile``/``fit``/``evaluate``/``predict``, ``summary`` and files.

    Subclass it, create the layers in ``__init__`` and compute in
    ``call(inputs, training=None)``; or call ``Model(inputs, outputs)`` on the tensors of
    ``keras.Input``.

    Example, a subclassed model:
    >>> from kerasette import layers
    >>> class TwoLayers(Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = layers.Dense(4, activation='relu', name='hidden')
    ...         self.out = layers.Dense(1)
    ...     def call(self, inputs, training=None):
    ...         return self.out(self.hidden(inputs))
    >>> model = TwoLayers()
    >>> model(np.ones((2, 3))).shape, len(model.weights), [layer.name for layer in model.layers][:1]
    ((2, 1), 4, ['hidden'])
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from kerasette.models.functional import Functional

            # Python then runs Functional.__init__ with the same arguments.
            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, name: str | None = None, trainable: bool = True, dtype=None, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"Model: unexpected arguments {args or ''}{kwargs or ''}; expected name=, trainable=, dtype= "
                "(or Model(inputs, outputs) for a Functional model)"
            )
        Trainer.__init__(self)
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)

    # -- structure ----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers held in the model's attributes, in the order they were assigned."""
        return [layer for layer in self._tracked_layers() if not isinstance(layer, InputLayer)]

    @property
    def sublayers(self) -> list[Layer]:
        return self.layers

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer of that name, or at that index of :attr:`layers`."""
        if (name is None) == (index is None):
            raise ValueError(f"get_layer: expected exactly one of name= and index=; received {name=}, {index=}")
        layers = self.layers
        if index is not None:
            if not isinstance(index, int) or not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: index {index!r} is out of range; model '{self.name}' has {len(layers)} layers"
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are {[layer.name for layer in layers]}")

    def input_shape_for(self, data_shape: tuple) -> tuple:
        """The model's input shape, or the one data of ``data_shape`` would build it with."""
        if self.built and self.input_shape is not None:
            return self.input_shape
        return (None,) + tuple(data_shape[1:])

    def ensure_built(self, data_shape: tuple) -> None:
        """Build the model for data of ``data_shape`` unless it is built already."""
        if not self.built:
            self.build(self.input_shape_for(data_shape))

    # -- inspection ---------------------------------------------------------------------
    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range=None,
    ) -> None:
        """Print Keras 3's table of layers, output shapes and parameter counts, and the
        total, trainable, non-trainable (and, once it has them, optimizer) parameters with
        their sizes; see :func:`kerasette.models.summary.print_summary` for the arguments.

        An unbuilt layer shows ``?`` for its output shape and ``0 (unbuilt)`` parameters,
        as in Keras 3.
        """
        from kerasette.models.summary import print_summary

        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)

    def export(self, filepath, format: str = "tf_saved_model", verbose=None, input_signature=None, **kwargs) -> None:
        """Write the model for serving without kerasette, as Keras 3's ``model.export``.

        kerasette writes ``format="onnx"`` (Sequential and Functional models of built-in
        layers; see :func:`kerasette.export.export_onnx`), atomically. Keras's default,
        ``"tf_saved_model"``, and its other formats need TensorFlow or OpenVINO and are
        refused; so are ``input_signature`` (the model's own input shapes are written, with
        a free batch axis) and other keyword arguments.
        """
        if format != "onnx":
            raise ValueError(
                f"export: format={format!r} is not written by kerasette; expected format='onnx' "
                "(Keras's 'tf_saved_model', 'openvino' and 'litert' need TensorFlow or OpenVINO)"
            )
        if input_signature is not None or kwargs:
            raise ValueError(
                f"export: kerasette writes the model's own input shapes; expected no input_signature and no other "
                f"arguments; received input_signature={input_signature!r}, {kwargs or ''}"
            )
        from kerasette.export import export_onnx

        export_onnx(self, filepath)
        if verbose:
            print(f"Saved artifact at '{filepath}'.")

    # -- configuration and files -----------------------------------------------------------------
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

    def to_json(self, **kwargs) -> str:
        """The model's architecture as Keras 3's JSON (``keras.models.model_from_json`` reads it)."""
        from kerasette.registry import serialize

        return json.dumps(serialize(self), **kwargs)

    def save(self, filepath, overwrite: bool = True) -> None:
        """Save architecture, weights and optimizer state (atomically): a Keras 3 ``.keras``
        archive, or HDF5 for ``.h5``; see :func:`kerasette.saving.save_model`."""
        saving.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the weights alone to a ``.weights.h5`` file in Keras 3's layout (atomically)."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath) -> None:
        """Load weights saved by :meth:`save_weights` (or by Keras for the same layers)."""
        saving.load_weights(self, filepath)


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


register_builtins("layer", {"Model": Model})
