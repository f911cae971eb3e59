"""What kerasette.distribution costs a program of one process, per training step.

    python benchmarks/distributed_overhead.py

One process calls two things per step that it did not call before the distribution
package: ``data_parallel.active()`` (in the optimizer's apply) and ``stop_requested()``
(the end-of-step check that replaced reading ``model.stop_training``). Prints the best of
5 repeats of 200,000 calls of each, without a distribution and under a DataParallel of one
process. Epoch timings of one process cannot resolve a cost this small on a shared machine.
"""

import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import kerasette as keras  # noqa: E402
from kerasette.distribution import data_parallel, training_loop  # noqa: E402


def main() -> None:
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    for label, distribution in (("no distribution", None), ("DataParallel of one process", "one")):
        keras.distribution.set_distribution(keras.distribution.DataParallel() if distribution else None)
        _, stop_requested = training_loop.step_checks(model, lambda: None)
        for name, call in (("data_parallel.active()", data_parallel.active), ("stop_requested()", stop_requested)):
            best = min(timeit.repeat(call, number=200_000, repeat=5)) / 200_000
            print(f"{label}: {name}: {best * 1e9:.0f} ns per call")


if __name__ == "__main__":
    main()
