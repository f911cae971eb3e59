"""Keras's ``<weight>_regularizer`` and ``<weight>_constraint`` arguments, for the layers
that name their weights' options by prefix (``kernel_``, ``depthwise_``, ``pointwise_``,
``bias_``): taken from the constructor's keyword arguments, passed to ``add_weight``,
written back into the config."""

from __future__ import annotations

from kerasette import constraints, regularizers


class WeightOptions:
    """A mixin: ``weight_prefixes`` maps each weight's name to its arguments' prefix."""

    weight_prefixes: dict[str, str] = {}

    def _take_weight_options(self, arguments: dict) -> dict:
        """Pops this layer's regularizer and constraint arguments from ``arguments``, resolved,
        for :meth:`_set_weight_options` once the base class's ``__init__`` has run."""
        options = {}
        for prefix in self.weight_prefixes.values():
            options[f"{prefix}_regularizer"] = regularizers.get(arguments.pop(f"{prefix}_regularizer", None))
            options[f"{prefix}_constraint"] = constraints.get(arguments.pop(f"{prefix}_constraint", None))
        return options

    def _set_weight_options(self, options: dict) -> None:
        for name, value in options.items():
            setattr(self, name, value)

    def _weight_options(self, weight: str) -> dict:
        """``add_weight``'s ``regularizer`` and ``constraint`` for the weight named ``weight``."""
        prefix = self.weight_prefixes[weight]
        return {
            "regularizer": getattr(self, f"{prefix}_regularizer"),
            "constraint": getattr(self, f"{prefix}_constraint"),
        }

    def _weight_options_config(self) -> dict:
        config = {}
        for prefix in self.weight_prefixes.values():
            config[f"{prefix}_regularizer"] = regularizers.serialize(getattr(self, f"{prefix}_regularizer"))
            config[f"{prefix}_constraint"] = constraints.serialize(getattr(self, f"{prefix}_constraint"))
        return config
