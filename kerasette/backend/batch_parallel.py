"""Splitting a batch across the CPU's cores, for the NumPy backend's convolution and pooling.

BLAS spreads one matrix product over the cores, but the compiled window loops (im2col,
col2im, pooling, bias and relu) run on one thread, and a second pool of threads beside
BLAS's fights it: OpenBLAS's idle workers keep spinning for a while after every product.
So inside fit, evaluate and predict (:meth:`BatchSplitter.scope`) BLAS runs on one
thread, and a layer hands each core a contiguous slice of its batch instead, loops and
matrix products alike. The workers are plain threads: the numba loops and NumPy's matrix
products release the GIL. Outside a scope (a layer called directly) everything runs in
one piece, with BLAS's own threads.

There are as many threads as BLAS had when the first scope began (OPENBLAS_NUM_THREADS or
OMP_NUM_THREADS set to 1 turns splitting off), each batch is cut into PARTS_PER_WORKER
parts per thread (never more than it has samples), and each thread takes the next part
when it finishes one. Measured on this project's 2-core machine, the MNIST convnet's
training step (batch 128) took a median 26.9 ms split in two against 29.1 ms in one piece
(15 epochs of 100 steps each way, alternating processes), and 40-50 ms when split with
BLAS left multithreaded between the layers.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import os
import threading
import weakref
from collections.abc import Callable
from typing import NamedTuple

import threadpoolctl

# A batch is cut into this many parts per core, which the cores take one by one as they
# finish the last: when the machine slows one core down (another guest on the host), the
# others take more parts instead of waiting for it.
PARTS_PER_WORKER = 4


class Part(NamedTuple):
    """One slice ``[first, last)`` of a batch, and which thread runs it."""

    index: int  #: the part's position among the parts (keep per-part partial sums by it)
    first: int
    last: int
    thread: int  #: 0 for the calling thread, 1... for the workers (per-thread scratch buffers)


class BatchSplitter:
    """Runs ``work(part)`` over slices of a batch, on every core, and waits.

    Args:
        workers: Threads to run on (the caller's among them), or None for BLAS's thread
            count when the first scope begins.
        parts_per_worker: Parts a batch is cut into per thread.
    """

    def __init__(self, workers: int | None = None, parts_per_worker: int = PARTS_PER_WORKER):
        self._workers = workers
        self._parts_per_worker = parts_per_worker
        self._blas: threadpoolctl.ThreadpoolController | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._scopes = 0
        self._lock = threading.Lock()
        self._running = threading.local()  # .part: whether this thread is running a part
        if hasattr(os, "register_at_fork"):
            # A forked child has none of the parent's threads: it starts its own.
            this = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: this() is not None and this()._forget_threads())

    def _forget_threads(self) -> None:
        self._blas, self._pool, self._scopes = None, None, 0
        self._lock, self._running = threading.Lock(), threading.local()

    def _start(self) -> None:
        """Finds the BLAS libraries (a scan of the loaded libraries, done once), the
        worker count, and starts the threads."""
        with self._lock:
            if self._blas is not None:
                return
            blas = threadpoolctl.ThreadpoolController().select(user_api="blas")
            if self._workers is None:
                self._workers = max([1] + [info["num_threads"] for info in blas.info()])
            if self._workers > 1:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self._workers - 1, thread_name_prefix="kerasette-batch"
                )
            self._blas = blas

    @property
    def workers(self) -> int:
        """How many threads run the parts of a batch inside a scope."""
        self._start()
        return self._workers

    @contextlib.contextmanager
    def scope(self):
        """Layers split their batches inside, with BLAS on one thread (restored after)."""
        self._start()
        if self._workers == 1:
            yield
            return
        with self._blas.limit(limits=1):
            self._scopes += 1
            try:
                yield
            finally:
                self._scopes -= 1

    def parts(self, size: int) -> list[tuple[int, int]]:
        """``(first, last)`` of each part of ``range(size)``: contiguous, as even as can be;
        one part outside a scope, or inside a part (a split within a split)."""
        splitting = self._scopes > 0 and not getattr(self._running, "part", False)
        count = max(1, min(self.workers * self._parts_per_worker, size)) if splitting else 1
        return [(size * part // count, size * (part + 1) // count) for part in range(count)]

    def run(self, size: int, work: Callable[[Part], None]) -> int:
        """Calls ``work(part)`` for each part of ``range(size)``, the calling thread and the
        workers each taking the next part until none is left; returns the number of parts
        once all are done. After an exception no new part starts, and it propagates (the
        calling thread's first) once every running part has ended."""
        bounds = self.parts(size)
        if len(bounds) == 1:
            work(Part(0, 0, size, 0))
            return 1
        next_index, failed = itertools.count(), threading.Event()

        def take_parts(thread: int) -> None:
            self._running.part = True
            try:
                while not failed.is_set() and (index := next(next_index)) < len(bounds):
                    work(Part(index, *bounds[index], thread))
            except BaseException:
                failed.set()
                raise
            finally:
                self._running.part = False

        futures = [self._pool.submit(take_parts, thread) for thread in range(1, self._workers)]
        try:
            take_parts(0)
        finally:
            concurrent.futures.wait(futures)  # no worker may outlive the call, even on error
        for future in futures:
            future.result()
        return len(bounds)
