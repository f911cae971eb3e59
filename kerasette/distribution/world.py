"""The processes a program runs as: one (no MPI), or an MPI world started by ``mpiexec``.

:class:`MPIWorld` wraps an mpi4py communicator with the few collectives data parallelism
needs, always on contiguous NumPy buffers and in place (mpi4py's upper-case methods, which
pass memory to MPI directly: nothing is pickled). mpi4py is imported only here, and only
when the program was started by an MPI launcher or asked for one, so a program of one
process never loads it.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

# Variables that MPI launchers set in every process they start: MPICH's and Intel MPI's
# Hydra (PMI_*), Open MPI (OMPI_*), PMIx-based launchers such as Slurm's srun (PMIX_*).
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")


def launched_by_mpi() -> bool:
    """Whether this process was started by an MPI launcher (``mpiexec``, ``srun``)."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


class SingleProcess:
    """The world of a program that was not started by ``mpiexec``: every collective is the identity."""

    rank, size, local_rank = 0, 1, 0

    def allreduce_sum(self, buffer) -> None:
        """Nothing to add: the only process's values are already the sum."""

    def allreduce_max(self, buffer) -> None:
        """Nothing to compare: the only process's values are already the maximum."""

    def broadcast(self, buffer) -> None:
        """Nothing to send: process 0 is this one."""

    def allgather_bytes(self, data: bytes) -> list[bytes]:
        return [data]

    def allgather_rows(self, array: np.ndarray) -> np.ndarray:
        return array

    def abort(self, code: int) -> None:
        os._exit(code)


class MPIWorld:
    """``MPI.COMM_WORLD`` with in-place collectives on NumPy buffers.

    Args:
        comm: An mpi4py communicator; ``MPI.COMM_WORLD`` by default.
    """

    def __init__(self, comm=None):
        from mpi4py import MPI

        self._mpi = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        # The processes sharing this machine (and its GPUs): one GPU each, by this rank.
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank = node.Get_rank()
        node.Free()
        self.watchdog = None  # a faults.CollectiveWatchdog, set by distribution.initialize

    def _waiting(self, what: str):
        return contextlib.nullcontext() if self.watchdog is None else self.watchdog.waiting(what)

    def allreduce_sum(self, buffer: np.ndarray) -> None:
        """Replace ``buffer`` by the element-wise sum of every process's ``buffer``."""
        with self._waiting("an all-reduce"):
            self.comm.Allreduce(self._mpi.IN_PLACE, buffer, op=self._mpi.SUM)

    def allreduce_max(self, buffer: np.ndarray) -> None:
        with self._waiting("the end-of-step agreement"):
            self.comm.Allreduce(self._mpi.IN_PLACE, buffer, op=self._mpi.MAX)

    def broadcast(self, buffer: np.ndarray) -> None:
        """Replace ``buffer`` by process 0's ``buffer``."""
        with self._waiting("a broadcast from process 0"):
            self.comm.Bcast(buffer, root=0)

    def allgather_bytes(self, data: bytes) -> list[bytes]:
        """Every process's ``data``, in rank order (lengths first, then the bytes: no pickle)."""
        lengths = np.zeros(self.size, dtype=np.int64)
        with self._waiting("the check that every process built the same model"):
            self.comm.Allgather(np.array([len(data)], dtype=np.int64), lengths)
            gathered = np.empty(int(lengths.sum()), dtype=np.uint8)
            self.comm.Allgatherv(np.frombuffer(data, dtype=np.uint8), [gathered, lengths])
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        return [gathered[offsets[i] : offsets[i + 1]].tobytes() for i in range(self.size)]

    def allgather_rows(self, array: np.ndarray) -> np.ndarray:
        """Every process's rows of ``array`` stacked in rank order (their trailing shapes agree)."""
        array = np.ascontiguousarray(array)
        rows = np.zeros(self.size, dtype=np.int64)
        with self._waiting("gathering predictions"):
            self.comm.Allgather(np.array([array.shape[0]], dtype=np.int64), rows)
            row_size = int(np.prod(array.shape[1:], dtype=np.int64))
            gathered = np.empty((int(rows.sum()), *array.shape[1:]), dtype=array.dtype)
            self.comm.Allgatherv(array, [gathered, rows * row_size])
        return gathered

    def abort(self, code: int) -> None:
        """End every process of the job (MPI_Abort): the launcher stops them all."""
        self.comm.Abort(code)
