"""One benchmark measurement in a fresh process: ``python worker.py FRAMEWORK WORKLOAD``.

Prints one JSON line: per-epoch times (or per-repeat times for ``predict``), test accuracy,
peak resident memory. ``run_benchmarks.py`` alternates the frameworks in separate
processes and summarises; run this directly only to debug one measurement.

``kerasette`` uses its numba kernels for the optimizer update (numba is installed with it);
``kerasette-numpy`` is the same code with them turned off; ``kerasette-baseline`` is an
earlier checkout given to ``run_benchmarks.py --baseline``.

Every framework gets identical data (the real MNIST files, scaled to [0, 1]), the same
network, Glorot-uniform kernels and zero biases, the same optimizer hyper-parameters
(Keras's RMSprop: rho 0.9, epsilon 1e-7), the same batch size and two threads.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

THREADS = 2
WORKLOADS = {
    # name: (hidden layers, dropout, batch size, epochs)
    "seed_b128": ((512,), 0.0, 128, 5),
    "seed_b32": ((512,), 0.0, 32, 3),
    "mnist_mlp": ((512, 512), 0.2, 128, 4),
}
PREDICT_BATCH = 32
PREDICT_REPEATS = 7


def load_mnist():
    from kerasette.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    scale = lambda images: images.reshape(len(images), 784).astype("float32") / 255  # noqa: E731
    return scale(x_train), y_train.astype("int64"), scale(x_test), y_test.astype("int64")


def peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM); unlike ru_maxrss, it does not carry
    over the parent's peak across fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- kerasette and Keras 3 (the same API) ------------------------------------------------------
def run_keras_api(keras, build, workload, data):
    """Time ``fit`` epochs or ``predict`` calls through the Keras API (kerasette or Keras)."""
    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(0)
    if workload == "predict":
        model = build((512,), 0.0)
        times = []
        for _ in range(PREDICT_REPEATS):
            start = time.perf_counter()
            model.predict(x_test, batch_size=PREDICT_BATCH, verbose=0)
            times.append(time.perf_counter() - start)
        return {"times": times}
    hidden, dropout, batch_size, epochs = WORKLOADS[workload]
    model = build(hidden, dropout)
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    epoch_times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.start)

    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return {"times": epoch_times, "accuracy": float(accuracy)}


def keras_api_model(keras, hidden, dropout):
    """The benchmark MLP in the Keras API, for kerasette and Keras alike."""
    model = keras.Sequential([keras.Input(shape=(784,))])
    for units in hidden:
        model.add(keras.layers.Dense(units, activation="relu"))
        if dropout:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


def run_kerasette(workload, data):
    import kerasette

    return run_keras_api(kerasette, lambda *args: keras_api_model(kerasette, *args), workload, data)


# -- PyTorch eager --------------------------------------------------------------------------
def torch_model(hidden, dropout):
    import torch

    modules, width = [], 784
    for units in hidden:
        modules += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        if dropout:
            modules.append(torch.nn.Dropout(dropout))
        width = units
    modules.append(torch.nn.Linear(width, 10))
    model = torch.nn.Sequential(*modules)
    for module in model:
        if isinstance(module, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(module.weight)
            torch.nn.init.zeros_(module.bias)
    return model


def run_torch(workload, data):
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in data)
    if workload == "predict":
        model = torch_model((512,), 0.0).eval()
        times = []
        for _ in range(PREDICT_REPEATS):
            start = time.perf_counter()
            with torch.no_grad():
                outputs = [
                    torch.softmax(model(x_test[i : i + PREDICT_BATCH]), dim=1)
                    for i in range(0, len(x_test), PREDICT_BATCH)
                ]
                torch.cat(outputs).numpy()
            times.append(time.perf_counter() - start)
        return {"times": times}
    hidden, dropout, batch_size, epochs = WORKLOADS[workload]
    model = torch_model(hidden, dropout)
    # Keras's RMSprop: rho 0.9 and epsilon 1e-7 (PyTorch's defaults are 0.99 and 1e-8).
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy on logits
    epoch_times = []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for first in range(0, len(x_train), batch_size):
            batch = order[first : first + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        epoch_times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return {"times": epoch_times, "accuracy": accuracy}


# -- Keras 3 on PyTorch ---------------------------------------------------------------------
def run_keras(workload, data):
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    import torch

    torch.set_num_threads(THREADS)
    return run_keras_api(keras, lambda *args: keras_api_model(keras, *args), workload, data)


def run_import(framework):
    start = time.perf_counter()
    if framework.startswith("kerasette"):
        import kerasette  # noqa: F401
    elif framework == "torch":
        import torch  # noqa: F401
    else:
        os.environ["KERAS_BACKEND"] = "torch"
        import keras  # noqa: F401
    return {"times": [time.perf_counter() - start]}


RUNNERS = {
    "kerasette": run_kerasette,
    "kerasette-baseline": run_kerasette,
    "kerasette-numpy": run_kerasette,
    "torch": run_torch,
    "keras": run_keras,
}


def main(framework: str, workload: str) -> None:
    if framework == "kerasette-numpy":  # kerasette without the numba kernels: NumPy alone
        os.environ["KERASETTE_FUSED"] = "0"
    if workload == "import":
        result = run_import(framework)
    else:
        result = RUNNERS[framework](workload, load_mnist())
    result.update(framework=framework, workload=workload, peak_memory_mb=peak_memory_mb())
    if framework.startswith("kerasette"):
        import kerasette

        result["kerasette_path"] = os.path.dirname(kerasette.__file__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:3])
