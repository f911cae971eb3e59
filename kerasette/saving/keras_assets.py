"""The vocabularies and IDF weights of lookup layers in ``.keras`` archives, as Keras 3 keeps them.

A lookup layer given its vocabulary as an argument has it in ``config.json``. One that
learned it (``adapt``, ``set_vocabulary``) keeps it, as Keras's ``save_assets`` writes it,
in the archive member ``assets/<layer path>/vocabulary.txt``: one token a line, special
tokens first. With ``output_mode='tf_idf'`` its IDF weights are the dataset
``<layer path>/vars/idf_weights`` of ``model.weights.h5``. A TextVectorization writes both
again for its inner lookup layer (``<layer path>/_lookup_layer/...``), as Keras does.
"""

from __future__ import annotations

import numpy as np

from kerasette import backend
from kerasette.saving.keras_weights import layer_groups

VOCABULARY = "vocabulary.txt"
_INNER = "_lookup_layer"


def _lookup_layers(model) -> list[tuple[str, object]]:
    """``(path, lookup layer)`` for each layer keeping a vocabulary: a TextVectorization's
    twice (its own path and its inner layer's), as Keras walks them."""
    found = []
    for group, layer in layer_groups(model):
        inner = layer.__dict__.get("_lookup_layer")
        if inner is not None:
            found += [(group, inner), (f"{group}/{_INNER}", inner)]
        elif hasattr(layer, "get_vocabulary") and hasattr(layer, "input_vocabulary"):
            found.append((group, layer))
    return found


def asset_members(model) -> dict[str, bytes]:
    """``{archive member: bytes}``: the vocabulary of each lookup layer that learned one."""
    members = {}
    for group, layer in _lookup_layers(model):
        if layer.input_vocabulary is None and layer.get_vocabulary(include_special_tokens=False):
            tokens = [str(token) for token in layer.get_vocabulary()]
            members[f"assets/{group}/{VOCABULARY}"] = "\n".join(tokens).encode("utf-8")
    return members


def idf_datasets(model) -> tuple[dict, dict]:
    """``({dataset path: array}, {vars group: layer name})``: the IDF weights of tf_idf layers."""
    datasets, groups = {}, {}
    for group, layer in _lookup_layers(model):
        if layer.output_mode == "tf_idf" and layer.idf_weights is not None:
            datasets[f"{group}/vars/idf_weights"] = np.asarray(backend.to_numpy(layer.idf_weights), dtype="float32")
            groups[f"{group}/vars"] = layer.name
    return datasets, groups


def restore(model, named: dict, assets: dict, path: str) -> None:
    """Give each lookup layer of a loaded model the vocabulary (and IDF weights) its archive holds."""
    for group, layer in _lookup_layers(model):
        if group.endswith(f"/{_INNER}") or layer.input_vocabulary is not None:
            continue  # a TextVectorization's inner layer is read through the outer path
        data = assets.get(f"assets/{group}/{VOCABULARY}")
        if data is None:
            continue  # saved before adapt: nothing to restore, as Keras
        lines = data.decode("utf-8").splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        tokens = lines if layer._vocabulary_dtype() is object else [int(line) for line in lines]
        weights = None
        if layer.output_mode == "tf_idf":
            weights = named.get(f"{group}/vars", {}).get("idf_weights")
            if weights is None:
                raise ValueError(f"filepath {path!r}: tf_idf layer '{layer.name}' has no {group}/vars/idf_weights")
            weights = np.asarray(weights).reshape(-1)[: len(tokens)]
        try:
            layer.set_vocabulary(tokens, weights)
        except (ValueError, TypeError) as error:
            raise ValueError(f"filepath {path!r}: the vocabulary of layer '{layer.name}' is refused: {error}") from None
