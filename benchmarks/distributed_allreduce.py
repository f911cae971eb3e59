"""The time of one in-place MPI all-reduce of the seed MLP's gradients on this machine.

    mpiexec -n 2 python benchmarks/distributed_allreduce.py [--repeats 200]

Sums a float32 buffer of 407,050 values (the seed MLP's parameters, 1.63 MB) across the
ranks with mpi4py's ``Allreduce`` (in place, as kerasette's gradient all-reduce does),
after 10 warm-up calls, and prints rank 0's median and minimum time per call.
"""

import argparse
import statistics
import time

import numpy as np
from mpi4py import MPI

PARAMETERS = 407_050


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    repeats = parser.parse_args().repeats
    comm = MPI.COMM_WORLD
    buffer = np.ones(PARAMETERS, dtype=np.float32)
    times = []
    for call in range(repeats + 10):
        comm.Barrier()
        started = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        if call >= 10:
            times.append(time.perf_counter() - started)
        buffer[:] = 1
    if comm.rank == 0:
        median, best = statistics.median(times) * 1e3, min(times) * 1e3
        size = f"{PARAMETERS} float32 ({buffer.nbytes / 1e6:.2f} MB)"
        print(f"{comm.size} ranks, {size}: median {median:.3f} ms, min {best:.3f} ms")


if __name__ == "__main__":
    main()
