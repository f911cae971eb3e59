"""A rank that fails ends the whole job, at once and saying which rank and why.

Without this, the other ranks would wait for the failed one inside their next
all-reduce until a scheduler killed the job. An exception that nothing catches reaches
``sys.excepthook``: there, after printing the traceback, the process calls
``MPI_Abort``, and the launcher (``mpiexec``) stops every process of the job. A rank
that dies outright (killed, out of memory) is noticed by the launcher itself. A rank
whose own code catches the exception and goes on, or ends, leaves the others waiting
in a collective: :class:`CollectiveWatchdog` aborts the job when a collective has waited
longer than ``KERASETTE_DISTRIBUTION_TIMEOUT`` seconds (600 by default; 0 turns it off).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

DEFAULT_TIMEOUT = 600.0
OUTPUT_GRACE_SECONDS = 1.0  # see abort_after_output


def failure_message(rank: int, size: int, error: BaseException) -> str:
    """The line every failed rank prints before the job ends.

    Example:
    >>> failure_message(1, 3, ValueError('bad batch'))
    'kerasette.distribution: process 1 of 3 raised ValueError: bad batch; stopping all 3 processes'
    """
    return (
        f"kerasette.distribution: process {rank} of {size} raised {type(error).__name__}: {error}; "
        f"stopping all {size} processes"
    )


def stop_all_on_error(world) -> None:
    """Make an uncaught exception on this rank, or a collective waiting past the timeout,
    abort the MPI job (once per process)."""
    timeout = collective_timeout()
    if timeout > 0 and getattr(world, "watchdog", None) is None:
        world.watchdog = CollectiveWatchdog(world, timeout)
    previous = sys.excepthook
    if getattr(previous, "stops_all_processes", False):
        return

    def abort_job(kind, error, traceback) -> None:
        previous(kind, error, traceback)
        print(failure_message(world.rank, world.size, error), file=sys.stderr, flush=True)
        abort_after_output(world)

    abort_job.stops_all_processes = True
    sys.excepthook = abort_job


def abort_after_output(world) -> None:
    """End the whole job (``MPI_Abort``) once what this process printed has gone out.

    MPI_Abort makes the launcher kill every process, and output this process has written
    but the launcher has not yet forwarded is lost with it (seen in CI: a traceback cut
    short, the failure line missing). A moment's wait lets it through.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(OUTPUT_GRACE_SECONDS)
    world.abort(1)


def collective_timeout() -> float:
    """``KERASETTE_DISTRIBUTION_TIMEOUT`` in seconds (600 when unset; 0: no limit)."""
    text = os.environ.get("KERASETTE_DISTRIBUTION_TIMEOUT", "")
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ValueError(
            f"KERASETTE_DISTRIBUTION_TIMEOUT: expected a number of seconds >= 0 (0: no limit); received {text!r}"
        )
    return value


class CollectiveWatchdog:
    """Abort the job when one collective of this rank waits longer than ``timeout`` seconds.

    A thread looks at the collective under way (``with watchdog.waiting('Allreduce'):``)
    every second at most; mpi4py releases the GIL while MPI waits, so the thread runs.
    Collectives that NCCL runs on a GPU stream return at once and are not watched.
    """

    def __init__(self, world, timeout: float):
        self.world, self.timeout = world, timeout
        self._what, self._started = "", None
        threading.Thread(target=self._watch, name="kerasette-collective-watchdog", daemon=True).start()

    @contextlib.contextmanager
    def waiting(self, what: str):
        self._what, self._started = what, time.monotonic()
        try:
            yield
        finally:
            self._started = None

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.timeout / 4))
            started = self._started
            if started is not None and time.monotonic() - started > self.timeout:
                print(
                    f"kerasette.distribution: process {self.world.rank} of {self.world.size} waited more than "
                    f"{self.timeout:g} s in {self._what}: another process failed or stopped taking part "
                    "(KERASETTE_DISTRIBUTION_TIMEOUT); stopping all processes",
                    file=sys.stderr,
                    flush=True,
                )
                abort_after_output(self.world)
