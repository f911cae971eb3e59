"""A rank that fails ends the whole job, at once and saying which rank and why.

Without this, the other ranks would wait for the failed one inside their next
all-reduce until a scheduler killed the job. An exception that nothing catches reaches
``sys.excepthook``: there, after printing the traceback, the process calls
``MPI_Abort``, and the launcher (``mpiexec``) stops every process of the job. A rank
that dies outright (killed, out of memory) is noticed by the launcher itself.
"""

from __future__ import annotations

import sys


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
    """Make an uncaught exception on this rank abort the MPI job (once per process)."""
    previous = sys.excepthook
    if getattr(previous, "stops_all_processes", False):
        return

    def abort_job(kind, error, traceback) -> None:
        previous(kind, error, traceback)
        print(failure_message(world.rank, world.size, error), file=sys.stderr, flush=True)
        sys.stdout.flush()
        world.abort(1)

    abort_job.stops_all_processes = True
    sys.excepthook = abort_job
