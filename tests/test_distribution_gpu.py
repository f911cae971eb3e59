"""The GPU side of data parallelism (kerasette/distribution/nccl.py).

The choice of GPU and of NCCL's element type is checked on the CPU. On a GPU machine
(``KERASETTE_BACKEND=cupy python -m pytest -m gpu``; benchmarks/gpu_suite.sh runs it),
NCCL is set up for one process, which needs no MPI, and the gradient all-reduce and
the broadcast of weights run on device buffers through it.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from kerasette import backend
from kerasette.distribution import gradient_sync
from kerasette.distribution.nccl import gpu_for, nccl_type
from kerasette.distribution.world import SingleProcess


def test_each_process_of_a_machine_takes_its_own_gpu():
    assert [gpu_for(rank, 4) for rank in range(4)] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="process 2 of this machine needs a GPU of its own, and the machine has 2"):
        gpu_for(2, 2)


def test_nccl_types_cover_the_float_dtypes_only():
    nccl = SimpleNamespace(NCCL_FLOAT16=6, NCCL_FLOAT32=7, NCCL_FLOAT64=8)
    assert [nccl_type(nccl, name) for name in ("float16", "float32", "float64")] == [6, 7, 8]
    with pytest.raises(TypeError, match="dtype: NCCL reduces float16, float32, float64 here; received int64"):
        nccl_type(nccl, "int64")


@pytest.mark.gpu
def test_gradients_and_weights_travel_through_nccl_on_the_device():
    from kerasette.distribution.nccl import NcclWorld

    world = NcclWorld(SingleProcess())
    distribution = SimpleNamespace(
        world=world, gradient_share=0.25, num_processes=1, averaged_after_step={}, flat_buffers={},
        communication_seconds=0.0,
    )  # fmt: skip
    rng = np.random.default_rng(0)
    host = [rng.standard_normal(shape).astype("float32") for shape in [(3, 4), (4,), (2, 2, 2)]]
    gradients = [backend.to_device(array) for array in host]
    gradient_sync.average_gradients(distribution, gradients)
    for before, after in zip(host, gradients):
        assert isinstance(after, backend.xp.ndarray)
        np.testing.assert_allclose(backend.to_numpy(after), before * np.float32(0.25), rtol=1e-7)
    weights = [backend.to_device(array) for array in host]
    gradient_sync.broadcast_from_rank_0(distribution, weights)
    for before, after in zip(host, weights):
        np.testing.assert_array_equal(backend.to_numpy(after), before)
    assert distribution.communication_seconds > 0
