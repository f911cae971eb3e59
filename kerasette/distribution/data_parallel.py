"""Keras 3's distribution API for data parallelism across processes: ``initialize``,
``list_devices``, ``DataParallel``, ``set_distribution`` and ``distribution``.

A program started as ``mpiexec -n N python train.py`` runs as N processes (ranks), each
with a whole copy of the model. Under ``set_distribution(DataParallel())``, ``fit``
splits every global batch across them, and the optimizer averages the gradients with
one all-reduce per step before every rank applies the same update
(:mod:`~kerasette.distribution.gradient_sync`). A program of one process, under
``DataParallel`` or not, runs exactly as it would without it, and never imports mpi4py.
"""

from __future__ import annotations

import contextlib
import os

from kerasette import backend
from kerasette.distribution import faults
from kerasette.distribution.world import MPIWorld, SingleProcess, launched_by_mpi
from kerasette.validation import check_bool, check_int

_world = None
_distribution = None


def initialize(job_addresses=None, num_processes: int | None = None, process_id: int | None = None) -> None:
    """Join the processes of this job: the MPI world when started by ``mpiexec``, else one process.

    Args:
        job_addresses: Only None: MPI's launcher places the processes (``mpiexec -n N``,
            or ``-f hostfile`` across machines), so there is no address to give.
        num_processes: If given (or set as ``KERAS_DISTRIBUTION_NUM_PROCESSES``), checked
            against the number of processes the launcher started.
        process_id: If given (or set as ``KERAS_DISTRIBUTION_PROCESS_ID``), checked
            against this process's rank.

    Under MPI, an exception that no one catches on any rank ends the whole job
    (:mod:`~kerasette.distribution.faults`); on the GPU backend, each rank takes the
    GPU of its rank on its machine and the gradients travel over NCCL.
    """
    global _world
    job_addresses = job_addresses or os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES") or None
    if job_addresses is not None:
        raise ValueError(
            f"job_addresses: kerasette's processes find each other through MPI; expected None (start the "
            f"job with mpiexec -n N, or mpiexec -f hostfile across machines), received {job_addresses!r}"
        )
    num_processes = _from_environment("num_processes", num_processes, "KERAS_DISTRIBUTION_NUM_PROCESSES", 1)
    process_id = _from_environment("process_id", process_id, "KERAS_DISTRIBUTION_PROCESS_ID", 0)
    world = MPIWorld() if launched_by_mpi() or (num_processes or 1) > 1 else SingleProcess()
    if num_processes is not None and num_processes != world.size:
        raise ValueError(
            f"num_processes: the launcher started {world.size} process(es); received {num_processes} "
            f"(start the program with mpiexec -n {num_processes})"
        )
    if process_id is not None and process_id != world.rank:
        raise ValueError(f"process_id: this process is rank {world.rank} of {world.size}; received {process_id}")
    if world.size > 1:
        faults.stop_all_on_error(world)
        if backend.name == "cupy":
            from kerasette.distribution.nccl import NcclWorld

            world = NcclWorld(world)
    _world = world


def _from_environment(argument: str, value, variable: str, minimum: int) -> int | None:
    if value is None and os.environ.get(variable):
        value, argument = os.environ[variable], f"{variable} (from the environment)"
        try:
            value = int(value)
        except ValueError:
            raise ValueError(f"{argument}: expected an integer; received {value!r}") from None
    return None if value is None else check_int(argument, value, minimum)


def world():
    """The world of this job, joined on first use (:func:`initialize`)."""
    if _world is None:
        initialize()
    return _world


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices of all processes of this job, one per process: ``'cpu:<rank>'``, or
    ``'gpu:<rank>'`` on the GPU backend (where each process drives one GPU).

    Args:
        device_type: None (the backend's kind), ``'cpu'`` or ``'gpu'``.

    Example:
    >>> list_devices()
    ['cpu:0']
    """
    kind = "gpu" if backend.name == "cupy" else "cpu"
    if device_type is not None and device_type not in ("cpu", "gpu"):
        raise ValueError(f"device_type: expected None, 'cpu' or 'gpu'; received {device_type!r}")
    if device_type is not None and device_type != kind:
        return []
    return [f"{kind}:{rank}" for rank in range(world().size)]


class DataParallel:
    """Data parallelism: the whole model on every process, each global batch split across them.

    Args:
        device_mesh: Only None (kerasette's data parallelism has one process per device,
            listed by :func:`list_devices`).
        devices: None or ``list_devices()``: one device per process of the job.
        auto_shard_dataset: True: every process is given the same data, and ``fit``,
            ``evaluate`` and ``predict`` give each process its rows of every batch.
            False: each process is given its own share of the data already, and
            ``batch_size`` is then the batch of one process.

    Attributes:
        communication_seconds: Time spent in the collectives so far (for benchmarks).
        gradient_share: This process's weight in the averaged gradient: its rows of the
            global batch over the batch's size in ``fit``, ``1 / num_processes`` in a loop
            of one's own (which should then give every process equal batches).

    Example:
    >>> distribution = DataParallel()
    >>> distribution.num_processes, distribution.process_id, distribution.devices
    (1, 0, ['cpu:0'])
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset: bool = True):
        if device_mesh is not None:
            raise ValueError(
                f"device_mesh: kerasette's DataParallel runs one process per device; expected None, "
                f"received {device_mesh!r}"
            )
        self.world = world()
        available = list_devices()
        if devices is not None and (not isinstance(devices, (list, tuple)) or list(devices) != available):
            raise ValueError(
                f"devices: expected None or one device per process of this job, {available}; received {devices!r}"
            )
        self.devices = available
        self.auto_shard_dataset = check_bool("auto_shard_dataset", auto_shard_dataset)
        self.batch_dim_name = "batch"
        self.gradient_share = 1.0 / self.world.size
        # Per-rank batch statistics whose average every rank keeps (BatchNormalization's
        # moving statistics); they travel with the next gradient all-reduce. id -> array.
        self.averaged_after_step: dict[int, object] = {}
        self.flat_buffers: dict[tuple, object] = {}  # reused by every collective (gradient_sync)
        self.communication_seconds = 0.0  # time inside collectives, for benchmarks
        self.predicting_own_rows = False  # inside predict on this rank's rows (training_loop.predict)

    @property
    def num_processes(self) -> int:
        return self.world.size

    @property
    def process_id(self) -> int:
        return self.world.rank

    @contextlib.contextmanager
    def scope(self):
        """Make this the distribution inside a ``with`` block, as Keras's ``distribution.scope()``."""
        global _distribution
        previous, _distribution = _distribution, self
        try:
            yield self
        finally:
            _distribution = previous

    def __repr__(self) -> str:
        return f"<DataParallel processes={self.num_processes} auto_shard_dataset={self.auto_shard_dataset}>"


def set_distribution(value: DataParallel | None) -> None:
    """Make ``value`` the distribution of everything that follows (None: none)."""
    global _distribution
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"value: expected a DataParallel or None; received {type(value).__name__}")
    _distribution = value


def distribution() -> DataParallel | None:
    """The distribution set by :func:`set_distribution` (or a ``scope``), or None."""
    return _distribution


def active() -> DataParallel | None:
    """The distribution when it spans more than one process, else None: nothing to do."""
    current = _distribution
    return current if current is not None and current.world.size > 1 else None


def get_device_count(device_type: str | None = None) -> int:
    """The number of devices of this job (one per process): ``len(list_devices(device_type))``.

    Example:
    >>> get_device_count()
    1
    """
    return len(list_devices(device_type))
