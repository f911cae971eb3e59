"""Nested structures of tensors (a tensor, lists, tuples, dicts), flattened and rebuilt.

Dicts flatten in sorted key order, as Keras's ``tree`` does, so a model with dict inputs
lists them by name.
"""

from __future__ import annotations


def flatten(structure) -> list:
    """The leaves of ``structure``, depth first; dict values in sorted key order."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_as(structure, leaves: list):
    """``leaves`` arranged as ``structure`` (the inverse of :func:`flatten`)."""
    iterator = iter(leaves)

    def pack(template):
        if isinstance(template, dict):
            packed = {key: pack(template[key]) for key in sorted(template)}
            return {key: packed[key] for key in template}
        if isinstance(template, (list, tuple)):
            return type(template)(pack(item) for item in template)
        return next(iterator)

    return pack(structure)


def map_structure(function, structure):
    """``structure`` with ``function`` applied to every leaf."""
    return pack_as(structure, [function(leaf) for leaf in flatten(structure)])


def unpack_singleton(value):
    """A one-element list or tuple as its element, as Keras returns a model's single output."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    return value
