"""The GPU world: one GPU per rank, device buffers all-reduced by NCCL through CuPy.

MPI (or, for one process, nothing) only sets NCCL up: rank 0 draws NCCL's unique id and
broadcasts it. The gradient all-reduce and the broadcast of weights then run on the
GPUs, on the current CuPy stream, without a copy to the host. Host buffers (metric
states, the shuffle) still go through the host world.
"""

from __future__ import annotations

import numpy as np

# NCCL's element types for the float dtypes kerasette trains in.
_NCCL_TYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64"}
_UNIQUE_ID_BYTES = 128  # NCCL_UNIQUE_ID_BYTES


def gpu_for(local_rank: int, gpu_count: int) -> int:
    """The GPU a rank drives: its rank among the processes of its machine.

    Example:
    >>> gpu_for(1, 4)
    1
    """
    if local_rank >= gpu_count:
        raise ValueError(
            f"mpiexec: process {local_rank} of this machine needs a GPU of its own, and the machine has "
            f"{gpu_count}; expected at most {gpu_count} processes per machine (mpiexec -n / -ppn)"
        )
    return local_rank


def nccl_type(nccl, dtype_name: str) -> int:
    """NCCL's constant for ``dtype_name`` from the module ``nccl`` (``cupy.cuda.nccl``).

    Example:
    >>> from types import SimpleNamespace
    >>> nccl_type(SimpleNamespace(NCCL_FLOAT32=7), 'float32')
    7
    """
    if dtype_name not in _NCCL_TYPES:
        raise TypeError(f"dtype: NCCL reduces {', '.join(_NCCL_TYPES)} here; received {dtype_name}")
    return getattr(nccl, _NCCL_TYPES[dtype_name])


class NcclWorld:
    """``host_world``'s ranks, with collectives on CuPy arrays done by NCCL.

    Args:
        host_world: An :class:`~kerasette.distribution.world.MPIWorld` (or, for one
            process, a ``SingleProcess``) that sets NCCL up and moves host buffers.
    """

    def __init__(self, host_world):
        import cupy
        from cupy.cuda import nccl

        self._cupy, self._nccl, self.host = cupy, nccl, host_world
        self.rank, self.size, self.local_rank = host_world.rank, host_world.size, host_world.local_rank
        cupy.cuda.Device(gpu_for(self.local_rank, cupy.cuda.runtime.getDeviceCount())).use()
        unique_id = np.zeros(_UNIQUE_ID_BYTES, dtype=np.int64)
        if self.rank == 0:
            unique_id[:] = nccl.get_unique_id()
        host_world.broadcast(unique_id)
        self.comm = nccl.NcclCommunicator(self.size, tuple(int(value) for value in unique_id), self.rank)

    def _on_device(self, buffer) -> bool:
        return isinstance(buffer, self._cupy.ndarray)

    def allreduce_sum(self, buffer) -> None:
        if not self._on_device(buffer):
            return self.host.allreduce_sum(buffer)
        stream = self._cupy.cuda.get_current_stream().ptr
        kind = nccl_type(self._nccl, buffer.dtype.name)
        self.comm.allReduce(buffer.data.ptr, buffer.data.ptr, buffer.size, kind, self._nccl.NCCL_SUM, stream)

    def broadcast(self, buffer) -> None:
        if not self._on_device(buffer):
            return self.host.broadcast(buffer)
        stream = self._cupy.cuda.get_current_stream().ptr
        self.comm.bcast(buffer.data.ptr, buffer.size, nccl_type(self._nccl, buffer.dtype.name), 0, stream)

    def allreduce_max(self, buffer) -> None:
        self.host.allreduce_max(buffer)

    def allgather_bytes(self, data: bytes) -> list[bytes]:
        return self.host.allgather_bytes(data)

    def allgather_rows(self, array):
        return self.host.allgather_rows(array)

    def abort(self, code: int) -> None:
        self.host.abort(code)
