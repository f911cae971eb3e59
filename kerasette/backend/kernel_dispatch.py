"""How a fused optimizer kernel gets its scalars: by value, or from device memory in a CUDA graph.

A captured CUDA graph replays its kernels with the arguments they had at capture, but a
learning rate may change between steps (schedules, callbacks) and Adam's bias correction
changes every step. So while a graph is captured, each fused update reads its scalars
from one row of a small device array (:class:`HyperParameters`); before each replay the
optimizer's Python runs as usual in *record* mode, where each fused update only writes
its scalars to that row's host copy, and one copy sends them all to the device.

Nothing here imports CuPy: the kernels are given as callables, so the CPU test suite
checks this logic with stand-ins (``tests/test_cuda_graph_step.py``).
"""

from __future__ import annotations

import contextlib

import numpy as np

MAX_SCALARS = 8
"""Scalars one update kernel may take (a row of the device array)."""


class GraphCaptureRefused(RuntimeError):
    """A step did something a captured graph cannot replay; it runs eagerly instead."""


class HyperParameters:
    """The scalars of a graph's fused updates: one row per update, in call order.

    Args:
        xp: The array module of the device rows (CuPy; NumPy in tests).
        calls: How many fused updates one step makes (one per trained variable).

    Example:
    >>> hyper = HyperParameters(np, calls=1)
    >>> with hyper.capturing():
    ...     row = hyper.row_for_capture('sgd', (0.5,))
    >>> hyper.finished(), float(hyper.host[0, 0])
    (True, 0.5)
    """

    def __init__(self, xp, calls: int):
        self.calls = calls
        self.names: list[str] = []
        self.host = np.zeros((max(calls, 1), MAX_SCALARS))
        self.device = xp.zeros((max(calls, 1), MAX_SCALARS), dtype="float64")
        self.mode: str | None = None
        self._seen = 0

    @contextlib.contextmanager
    def capturing(self):
        """Fused updates inside read their scalars from :attr:`device` rows (and note them)."""
        self.names, self._seen = [], 0
        with self._active("capture"):
            yield self

    @contextlib.contextmanager
    def recording(self):
        """Fused updates inside only write their scalars to :attr:`host`; the graph does the math."""
        self._seen = 0
        with self._active("record"):
            yield self

    @contextlib.contextmanager
    def _active(self, mode: str):
        global _active
        if _active is not None:
            raise GraphCaptureRefused("a graph is already being captured or recorded (one at a time per process)")
        self.mode, _active = mode, self
        try:
            yield
        finally:
            self.mode, _active = None, None

    def _write(self, index: int, scalars: tuple) -> None:
        if len(scalars) > MAX_SCALARS:
            raise GraphCaptureRefused(f"an update with {len(scalars)} scalars; at most {MAX_SCALARS} fit a row")
        self.host[index, : len(scalars)] = [float(value) for value in scalars]

    def row_for_capture(self, name: str, scalars: tuple):
        """The device row that the ``index``-th update of the captured step reads."""
        index = self._seen
        if index >= self.calls:
            raise GraphCaptureRefused(f"more fused updates than the {self.calls} trained variables")
        self._write(index, scalars)
        self.names.append(name)
        self._seen += 1
        return self.device[index]

    def record(self, name: str, scalars: tuple) -> None:
        """Note the scalars of the next update of a replayed step."""
        index = self._seen
        if index >= len(self.names) or self.names[index] != name:
            raise GraphCaptureRefused(
                f"update {index} of this step is {name!r}; the captured graph has "
                f"{self.names[index] if index < len(self.names) else 'none'!r} there"
            )
        self._write(index, scalars)
        self._seen += 1

    def finished(self) -> bool:
        """Whether the step just captured or recorded made exactly one fused update per variable."""
        return self._seen == self.calls == len(self.names)

    def upload(self, stream=None) -> None:
        """Send the recorded scalars to the device rows (asynchronously on ``stream`` when given)."""
        if stream is None:
            self.device[...] = self.host
        else:
            # A copy from pageable host memory is staged at once, so the host rows may be
            # rewritten for the next step while this copy still waits in the stream.
            self.device.set(self.host, stream=stream)


_active: HyperParameters | None = None


def active() -> HyperParameters | None:
    """The :class:`HyperParameters` being captured or recorded (one at a time per process), or None (eager)."""
    return _active


def kernel_for(name: str, scalars: tuple) -> tuple[str, tuple]:
    """The kernel name and scalars for ``backend.fused_update(name, ..., scalars)``.

    Nesterov momentum is a kernel of its own rather than a flag read per element.

    >>> kernel_for('sgd_momentum', (0.9, 0.01, True))
    ('sgd_nesterov', (0.9, 0.01))
    """
    if name == "sgd_momentum":
        momentum, learning_rate, nesterov = scalars
        return ("sgd_nesterov" if nesterov else "sgd_momentum"), (momentum, learning_rate)
    return name, scalars


def run_update(kernels: dict, name: str, arrays: tuple, scalars: tuple) -> bool:
    """Run fused update ``name`` in place; False (nothing done) when there is no such kernel.

    Args:
        kernels: name -> object with ``eager(g, *scalars, w, *slots)`` and
            ``graph(g, hyper_row, w, *slots)`` callables.
        arrays: ``(variable, gradient, *slots)``, all of one dtype.
        scalars: The rule's scalars, in the kernel's order.
    """
    kernel = kernels.get(name)
    dtype = arrays[0].dtype
    if kernel is None or any(array.dtype != dtype for array in arrays):
        if _active is not None:
            raise GraphCaptureRefused(f"no fused kernel {name!r} for these arrays, so the update cannot be replayed")
        return False
    variable, gradient, *slots = arrays
    hyper = _active
    if hyper is None:
        # The NumPy rules combine Python floats with arrays in the arrays' dtype (NEP 50).
        cast = dtype.type
        kernel.eager(gradient, *(cast(value) for value in scalars), variable, *slots)
    elif hyper.mode == "capture":
        kernel.graph(gradient, hyper.row_for_capture(name, scalars), variable, *slots)
    else:
        hyper.record(name, scalars)
    return True
