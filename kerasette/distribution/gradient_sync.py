"""The optimizer's side of data parallelism, ChainerMN's multi-node optimizer: every
rank starts from rank 0's weights, and every step's gradients are averaged before the
update, so every rank applies the same update to the same weights.

:meth:`Optimizer.apply <kerasette.optimizers.Optimizer.apply>` calls
:func:`average_gradients` first, so the built-in ``fit`` step, a ``train_step`` of
one's own and a ``GradientTape`` loop are averaged alike. The gradients (each weighted
by this rank's share of the global batch) are laid end to end in one flat buffer per
dtype and summed across ranks with one in-place all-reduce; per-rank statistics that
must stay equal everywhere (BatchNormalization's moving averages) ride along.
"""

from __future__ import annotations

import json
import time

from kerasette import backend
from kerasette.ops.tape import unwrap


def _collective(distribution, arrays: list, scales: list, operation) -> None:
    """Scale each of ``arrays``, run ``operation`` on their concatenation, write the result back.

    One flat buffer per dtype and length, reused from step to step: one collective per dtype (one in all
    for a model of one float type) however many arrays there are.
    """
    buffers = distribution.flat_buffers
    by_dtype: dict = {}
    for index, array in enumerate(arrays):
        by_dtype.setdefault(array.dtype.name, []).append(index)
    for dtype, indices in by_dtype.items():
        total = sum(arrays[index].size for index in indices)
        if (dtype, total) not in buffers:
            buffers[dtype, total] = backend.xp.empty(total, dtype=dtype)
        flat, offset = buffers[dtype, total], 0
        for index in indices:
            part = flat[offset : offset + arrays[index].size]
            backend.xp.multiply(arrays[index].reshape(-1), scales[index], out=part)
            offset += arrays[index].size
        started = time.perf_counter()
        operation(flat)
        distribution.communication_seconds += time.perf_counter() - started
        offset = 0
        for index in indices:
            array = arrays[index]
            array[...] = flat[offset : offset + array.size].reshape(array.shape)
            offset += array.size


def average_gradients(distribution, gradients: list) -> None:
    """Replace each gradient, in place, by the global batch's: the sum over ranks of each
    rank's gradient times its ``gradient_share``. Per-rank statistics registered in
    ``averaged_after_step`` become their mean over ranks in the same all-reduce."""
    averaged = list(distribution.averaged_after_step.values())
    distribution.averaged_after_step.clear()
    share, mean = distribution.gradient_share, 1.0 / distribution.num_processes
    arrays = [unwrap(gradient) for gradient in gradients] + averaged
    _collective(
        distribution, arrays, [share] * len(gradients) + [mean] * len(averaged), distribution.world.allreduce_sum
    )


def broadcast_from_rank_0(distribution, arrays: list) -> None:
    """Overwrite ``arrays`` (in place) with rank 0's values."""
    _collective(distribution, [unwrap(array) for array in arrays], [1] * len(arrays), distribution.world.broadcast)


def _variable_entries(variables: list) -> list[str]:
    return [
        f"variable {getattr(variable, 'path', f'#{index}')}: shape {tuple(variable.shape)}, dtype {variable.dtype}"
        for index, variable in enumerate(variables)
    ]


def _optimizer_entry(optimizer) -> str:
    config = json.dumps(optimizer.get_config(), sort_keys=True, default=repr)
    return f"optimizer {type(optimizer).__name__} at step {int(optimizer.iterations)}: {config}"


def check_same_everywhere(distribution, entries: list[str], what: str) -> None:
    """Raise on every rank, naming the first difference, unless every rank has the same ``entries``."""
    gathered = [json.loads(data) for data in distribution.world.allgather_bytes(json.dumps(entries).encode())]
    for rank, other in enumerate(gathered[1:], start=1):
        if other == gathered[0]:
            continue
        length = min(len(other), len(gathered[0]))
        index = next((i for i in range(length) if other[i] != gathered[0][i]), length)
        first = gathered[0][index] if index < len(gathered[0]) else "nothing more"
        theirs = other[index] if index < len(other) else "nothing more"
        raise ValueError(
            f"{what}: every process must build the same model and optimizer; process {rank} differs from "
            f"process 0 at entry {index}: process 0 has {first!r}, process {rank} has {theirs!r}"
        )


def synchronize(distribution, variables: list, optimizer, what: str) -> None:
    """Check that every rank has the same ``variables`` (paths, shapes, dtypes) and
    optimizer, then give every rank rank 0's values of them."""
    entries = _variable_entries(variables) + ([_optimizer_entry(optimizer)] if optimizer is not None else [])
    check_same_everywhere(distribution, entries, what)
    broadcast_from_rank_0(distribution, variables)


def sum_across_ranks(distribution, arrays: list, scale: float = 1.0) -> None:
    """Replace each of ``arrays``, in place, by the sum over ranks of each rank's array
    times its ``scale`` (one all-reduce)."""
    _collective(distribution, arrays, [scale] * len(arrays), distribution.world.allreduce_sum)
