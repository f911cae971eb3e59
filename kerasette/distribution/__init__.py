"""Data parallelism across processes with Keras 3's distribution API.

``mpiexec -n 4 python train.py`` with, near the top of ``train.py``::

    import kerasette as keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())

trains on 4 processes exactly as one process would with the same ``batch_size``. See
docs/DISTRIBUTED.md. Needs mpi4py and an MPI (``pip install "kerasette[mpi]"``) only
when started by an MPI launcher.
"""

from kerasette.distribution.data_parallel import (
    DataParallel,
    distribution,
    get_device_count,
    initialize,
    list_devices,
    set_distribution,
)

__all__ = ["DataParallel", "distribution", "get_device_count", "initialize", "list_devices", "set_distribution"]
