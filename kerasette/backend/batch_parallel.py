"""Splitting a batch across the CPU's cores, for the NumPy backend's convolution and pooling.

BLAS spreads one matrix product over the cores, but the compiled window loops (im2col,
col2im, pooling, bias and relu) run on one thread, and a second pool of threads beside
BLAS's fights it: OpenBLAS's idle workers keep spinning for a while after every product.
So inside fit, evaluate and predict (:meth:`BatchSplitter.scope`) BLAS runs on one
thread, and a layer hands each core a contiguous slice of its batch instead, loops and
matrix products alike. The workers are plain threads: the numba loops and NumPy's matrix
products release the GIL. Outside a scope (a layer called directly) everything runs in
one piece, with BLAS's own threads.

There are as many parts as BLAS had threads when the first scope began (OPENBLAS_NUM_THREADS
or OMP_NUM_THREADS set to 1 turns splitting off), and never more than the batch has
samples. Measured on this project's 2-core machine, the MNIST convnet's training step
(batch 128) took a median 26.9 ms split against 29.1 ms in one piece (15 epochs of 100
steps each way, alternating processes), and 40-50 ms when split with BLAS left
multithreaded between the layers.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections.abc import Callable

import threadpoolctl


class BatchSplitter:
    """Runs ``work(part, first, last)`` over slices of a batch, one per core, and waits.

    Args:
        workers: Parts to split into, or None for BLAS's thread count when the first
            scope begins.
    """

    def __init__(self, workers: int | None = None):
        self._workers = workers
        self._blas: threadpoolctl.ThreadpoolController | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._scopes = 0
        self._lock = threading.Lock()
        self._worker_thread = threading.local()

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
        """How many parts a batch is split into inside a scope."""
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
        one part outside a scope, or inside a worker."""
        splitting = self._scopes > 0 and not getattr(self._worker_thread, "active", False)
        count = max(1, min(self.workers, size)) if splitting else 1
        return [(size * part // count, size * (part + 1) // count) for part in range(count)]

    def run(self, size: int, work: Callable[[int, int, int], None]) -> int:
        """Calls ``work(part, first, last)`` for each part of ``range(size)``, the first
        on this thread, the others on the workers; returns the number of parts once all
        are done. An exception propagates (this thread's first) after every part ended."""
        first_part, *others = self.parts(size)
        futures = [
            self._pool.submit(self._work_on_worker, work, part, *bounds) for part, bounds in enumerate(others, 1)
        ]
        try:
            work(0, *first_part)
        finally:
            concurrent.futures.wait(futures)  # no worker may outlive the call, even on error
        for future in futures:
            future.result()
        return 1 + len(others)

    def _work_on_worker(self, work: Callable[[int, int, int], None], part: int, first: int, last: int) -> None:
        self._worker_thread.active = True
        try:
            work(part, first, last)
        finally:
            self._worker_thread.active = False
