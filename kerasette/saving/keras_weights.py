"""Weights and optimizer state in Keras 3's HDF5 layout, as ``model.save_weights`` and the
``model.weights.h5`` of a ``.keras`` archive hold them.

- ``layers/<group>/vars/<i>``: the ``i``-th weight of a layer, where Keras names the group
  by the layer's class and its position among the layers of that class (``dense``,
  ``dense_1``, ...), never by the layer's name; a nested model's layers sit under
  ``layers/<group>/layers/...``; every group's ``vars`` carries the layer's name;
- ``optimizer/vars/<i>``: Keras's ``optimizer.variables``: the step count, the learning
  rate (unless it is a schedule), then the slots in the order Keras creates them, which
  :data:`KERAS_SLOT_ORDER` records per optimizer.
"""

from __future__ import annotations

import h5py
import numpy as np

from kerasette import backend
from kerasette.layers import Layer
from kerasette.naming import snake_case
from kerasette.saving.hdf5_file import read_dataset
from kerasette.saving.restore import assign, is_model, weighted_layers

# Keras creates slots named together in one call interleaved per variable (Adam: m0, v0,
# m1, v1, ...) and slots created by separate calls one after the other (RMSprop).
KERAS_SLOT_ORDER = {
    "Adam": (("momentum", "velocity"), ("velocity_hat",)),
    "AdamW": (("momentum", "velocity"), ("velocity_hat",)),
    "Nadam": (("momentum", "velocity"),),
    "Adamax": (("momentum", "norm"),),
    "SGD": (("momentum",),),
    "RMSprop": (("velocity",), ("momentum",), ("average_gradient",)),
    "Adagrad": (("accumulator",),),
    "Adadelta": (("accumulated_grad", "accumulated_delta_var"),),
    "Ftrl": (("accumulator", "linear"),),
    "Lion": (("momentum",),),
}

# Weights Keras keeps as scalars, kerasette as one-element arrays (HDF5 round trips of
# kerasette's own layout keep arrays of ndim >= 1); read back with np.atleast_1d.
_KERAS_SCALARS = {("Normalization", "count"): "int64"}


def keras_array(layer, name: str, value) -> np.ndarray:
    """A weight as a host array in the shape and dtype Keras keeps it."""
    # np.asarray with order="C", not np.ascontiguousarray, which makes a 0-d weight (Attention's
    # scale) a 1-element array that Keras refuses to load.
    array = np.asarray(backend.to_numpy(getattr(value, "value", value)), order="C")
    if (type(layer).__name__, name) in _KERAS_SCALARS:
        array = array.reshape(()).astype(_KERAS_SCALARS[type(layer).__name__, name])
    return array


def _is_graph_model(layer) -> bool:
    """Sequential and Functional models, whose ``layers`` Keras walks before anything else."""
    return type(layer).__name__ in ("Sequential", "Functional")


def _children(layer) -> list[tuple[str, object]]:
    """``(attribute, layer or container)`` in the order Keras 3's saving walk visits them.

    As ``_walk_trackable`` in ``keras/src/saving/saving_lib.py``: a Sequential's or a
    Functional's ``layers``; for other layers, their attributes by sorted name (a
    subclassed model's ``layers`` property among them). kerasette's private attributes of
    built-in models (``_layers``) are not walked: Keras skips its own.
    """
    if _is_graph_model(layer):
        return [("layers", layer.layers)]
    found = dict(layer._layer_attributes())
    if is_model(layer):  # Keras's Model has a `layers` property, walked with the attributes
        found["layers"] = layer.layers
    return sorted(found.items())


def layer_groups(model) -> list[tuple[str, object]]:
    """``(group path, layer)`` for every layer below ``model`` as Keras 3 stores it, each once.

    A layer held directly in an attribute is stored under the attribute's name; the layers
    of a list, tuple or dict under the container's name, each named by its class and its
    position among the container's layers of that class (``dense``, ``dense_1``, ...),
    never by the layer's own name (``_save_container_state``). A layer reached twice keeps
    its first path.
    """
    found, visited = [], {id(model)}

    def visit(layer, path: str) -> None:
        if id(layer) in visited:
            return
        visited.add(id(layer))
        found.append((path, layer))
        walk(layer, path)

    def walk(layer, path: str) -> None:
        for attribute, value in _children(layer):
            child_path = f"{path}/{attribute}" if path else attribute
            if isinstance(value, Layer):
                visit(value, child_path)
                continue
            used = {}
            for item in value.values() if isinstance(value, dict) else value:
                if isinstance(item, Layer):
                    base = snake_case(type(item).__name__)
                    used[base] = used.get(base, -1) + 1
                    visit(item, f"{child_path}/{base}" if used[base] == 0 else f"{child_path}/{base}_{used[base]}")

    walk(model, "")
    return found


def weighted_layer_groups(model) -> list[tuple[str, object]]:
    """:func:`layer_groups` of the layers that hold variables of their own (``layer.params``)."""
    return [(group, layer) for group, layer in layer_groups(model) if layer.params]


def match_groups(path: str, stored: list, model) -> list:
    """``(variable, array)`` for each ``(group path, [array, ...])`` of :func:`weighted_layer_groups`, all checked."""
    assignments = []
    for (group, arrays), (_, layer) in zip(stored, weighted_layer_groups(model)):
        targets = list(layer.params.items())
        if len(arrays) != len(targets):
            raise ValueError(
                f"filepath {path!r}: layer '{layer.name}' ({group}) has {len(targets)} weights "
                f"{[name for name, _ in targets]}; the file's {group}/vars holds {len(arrays)}"
            )
        for (name, variable), array in zip(targets, arrays):
            if variable.ndim == 0 and tuple(array.shape) == (1,):
                array = array.reshape(())  # a scalar weight is stored with one axis
            if tuple(array.shape) != tuple(variable.shape):
                raise ValueError(
                    f"filepath {path!r}: weight '{layer.name}/{name}' ({group}) has shape {tuple(array.shape)}, "
                    f"expected {tuple(variable.shape)}"
                )
            assignments.append((variable, array))
    return assignments


def read_vars_groups(file: h5py.File, path: str) -> tuple[dict, dict]:
    """Every ``.../vars`` group of a Keras 3 weights file: ``{group: [array, ...]}`` of its
    numbered datasets, and ``{group: {name: array}}`` of its named ones (a lookup layer's
    ``idf_weights``)."""
    groups = []
    file.visititems(
        lambda name, item: (
            groups.append(name) if isinstance(item, h5py.Group) and name.rpartition("/")[2] == "vars" else None
        )
    )
    found, named = {}, {}
    for name in groups:
        variables = file[name]
        named[name] = {key: read_dataset(variables[key], path) for key in variables if not key.isdigit()}
        indices = sorted((key for key in variables if key.isdigit()), key=int)
        if indices != [str(index) for index in range(len(indices))]:
            raise ValueError(f"filepath {path!r}: {name} should hold datasets 0, 1, ...; received {sorted(variables)}")
        found[name] = [read_dataset(variables[index], path) for index in indices]
    return found, named


def stored_layer_weights(variables: dict, model, path: str, source: str) -> list:
    """``(group path, [array, ...])`` for each weighted layer of ``model``, by Keras's structure,
    from :func:`read_vars_groups`' numbered datasets (``source`` names the file in errors)."""
    expected = weighted_layer_groups(model)
    held = sorted(name.rpartition("vars")[0].rstrip("/") for name, arrays in variables.items() if arrays)
    held = [group for group in held if group != "optimizer"]
    if held != sorted(group for group, _ in expected):
        raise ValueError(
            f"filepath {path!r}: {source} holds weights for {held}, but an equivalent Keras model of this "
            f"model's layers would hold {sorted(group for group, _ in expected)}"
        )
    # Keras keeps some weights as scalars (Normalization's count) that kerasette keeps as (1,).
    return [(group, [np.atleast_1d(array) for array in variables[f"{group}/vars"]]) for group, _ in expected]


def model_weight_entries(model) -> tuple[dict, dict, list[tuple[str, str]]]:
    """``model``'s weights in Keras's layout, ready to write.

    Returns ``(datasets, groups, pairs)``: ``{dataset path: array}``, ``{vars group path:
    layer name}`` (every layer has one, as Keras writes it, weights or not) and
    ``(weight path, dataset path)`` pairs whose weight paths are kerasette's
    (``<layer path>/<weight name>``), so that kerasette can still match layers by name.
    """
    weight_paths = {
        id(variable): f"{layer_path}/{name}"
        for layer_path, layer in weighted_layers(model)
        for name, variable in layer.named_weights()
    }
    datasets, groups, pairs = {}, {"vars": model.name}, []
    for group, layer in layer_groups(model):
        groups[f"{group}/vars"] = layer.name
        for index, (name, value) in enumerate(layer.params.items()):
            datasets[f"{group}/vars/{index}"] = keras_array(layer, name, value)
            pairs.append((weight_paths[id(value)], f"{group}/vars/{index}"))
    # In kerasette's order (each layer's named_weights), which matching by name reads them in.
    order = {weight_path: position for position, weight_path in enumerate(weight_paths.values())}
    return datasets, groups, sorted(pairs, key=lambda pair: order[pair[0]])


def write_entries(file: h5py.File, datasets: dict, groups: dict) -> None:
    """Create the named groups (with their ``name`` attribute), then the datasets."""
    for group, name in groups.items():
        file.require_group(group).attrs["name"] = name
    for dataset, array in datasets.items():
        file.create_dataset(dataset, data=array)


def _slot_order(optimizer, count: int) -> list[tuple[int, str]]:
    """``(variable index, slot name)`` in the order of Keras's ``optimizer.variables``."""
    active = optimizer.state_slots()
    # Keras builds the EMA's averages, then the gradient accumulators, before the rule's slots.
    groups = (("ema_average",), ("gradient_accumulator",), *KERAS_SLOT_ORDER.get(type(optimizer).__name__, (active,)))
    listed = {name for group in groups for name in group}
    groups = (*groups, tuple(name for name in active if name not in listed))
    order = []
    for group in groups:
        names = [name for name in group if name in active]
        order.extend((index, name) for index in range(count) for name in names)
    return order


def _has_schedule(optimizer) -> bool:
    # A schedule or a function gives the rate: Keras then keeps no learning-rate variable.
    return callable(getattr(optimizer, "_learning_rate", None))


def optimizer_variables(model) -> list[tuple[object, np.ndarray]]:
    """Keras's ``optimizer.variables`` of ``model``'s optimizer, as ``(key, host array)``.

    The key is ``'iterations'``, ``'learning_rate'`` (absent with a schedule, as in Keras),
    ``(trained variable index, slot name)``, or Nadam's ``'u_product'``. Slots that are
    not built for the variables the model trains now are left out, as Keras leaves them
    out of an optimizer that has not taken a step.
    """
    optimizer = model.optimizer
    found = [("iterations", np.array(optimizer.iterations, dtype=np.int64))]
    if not _has_schedule(optimizer):
        found.append(("learning_rate", np.array(optimizer.learning_rate, dtype=np.float32)))
    variables = model.training_plan().variables
    if len(optimizer.slots) != len(variables) or any(
        tuple(value.shape) != tuple(variable.shape)
        for slot, variable in zip(optimizer.slots, variables)
        for value in slot.values()
    ):
        return found
    for index, name in _slot_order(optimizer, len(variables)):
        found.append(((index, name), np.asarray(backend.to_numpy(optimizer.slots[index][name]), order="C")))
    if type(optimizer).__name__ == "Nadam":
        product = optimizer._momentum_product_at(optimizer.update_count)
        found.append(("u_product", np.array(product, dtype=np.float32)))
    return found


def optimizer_entries(model) -> tuple[dict, dict]:
    """``(datasets, groups)`` of ``optimizer/vars``, for :func:`write_entries`."""
    values = [array for _, array in optimizer_variables(model)]
    return {f"optimizer/vars/{index}": array for index, array in enumerate(values)}, {
        "optimizer/vars": model.optimizer.name
    }


def restore_optimizer(model, values: list, path: str) -> None:
    """Put Keras's ``optimizer.variables`` back into ``model.optimizer`` (all checked first)."""
    optimizer = model.optimizer
    iterations = values[0] if values else None
    if iterations is None or iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
        raise ValueError(
            f"filepath {path!r}: optimizer/vars/0 should be the step count, a non-negative integer; "
            f"received {iterations!r}"
        )
    slots = values[1 if _has_schedule(optimizer) else 2 :]
    if not slots:  # saved before its first step: Keras had built no slots
        optimizer.iterations = int(iterations)
        return
    variables = model.training_plan().variables
    order = _slot_order(optimizer, len(variables))
    extra = 1 if type(optimizer).__name__ == "Nadam" else 0
    if len(slots) != len(order) + extra:
        raise ValueError(
            f"filepath {path!r}: the file holds {len(slots)} optimizer slot variables; {type(optimizer).__name__} "
            f"with this model's {len(variables)} trained variables uses {len(order) + extra}"
        )
    optimizer.build(variables)
    staged = []
    for (index, name), array in zip(order, slots):
        target = optimizer.slots[index][name]
        if tuple(array.shape) != tuple(target.shape):
            raise ValueError(
                f"filepath {path!r}: optimizer slot {name!r} of trained variable {index} should have shape "
                f"{tuple(target.shape)}; the file holds shape {tuple(array.shape)}"
            )
        staged.append((target, array))
    assign(staged)
    optimizer.iterations = int(iterations)
