"""The PyTorch side of ``gpu_benchmark.py``: eager, CUDA-graphed and compiled training on the GPU.

The same networks as kerasette's (Glorot-uniform kernels, zero biases), Keras's RMSprop
(rho 0.9, epsilon 1e-7; Adam for the convnet), softmax cross-entropy on logits, the data
resident on the GPU and shuffled there each epoch, the shorter last batch trained too.

``torch-graphs`` captures the whole step (forward, backward, optimizer) once in a
``torch.cuda.CUDAGraph`` after three warm-up steps on a side stream, as PyTorch's CUDA
graphs documentation shows, and replays it for every full batch; the last, shorter batch
runs eagerly on the same parameters. ``torch-compile`` is ``torch.compile(mode=
'reduce-overhead')`` (Inductor with CUDA graphs); when it cannot run here (no Triton or no
compiler offline) the measurement says so and is reported as skipped.
"""

from __future__ import annotations

import time


def torch_model(hidden, dropout):
    import torch

    if hidden is None:  # Keras's mnist_convnet, channels first
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(1600, 10),
        )
    else:
        modules, width = [], 784
        for units in hidden:
            modules += [torch.nn.Linear(width, units), torch.nn.ReLU()]
            if dropout:
                modules.append(torch.nn.Dropout(dropout))
            width = units
        modules.append(torch.nn.Linear(width, 10))
        model = torch.nn.Sequential(*modules)
    for module in model:
        if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)):
            torch.nn.init.xavier_uniform_(module.weight)
            torch.nn.init.zeros_(module.bias)
    return model.cuda()


def make_optimizer(model, hidden, capturable):
    import torch

    if hidden is None:
        return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, capturable=capturable)
    return torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7, capturable=capturable)


def run_torch(framework, workload, hidden, dropout, batch_size, epochs, data) -> dict:
    import torch

    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = (torch.from_numpy(array).cuda() for array in data)
    if hidden is None:  # NHWC -> NCHW
        x_train, x_test = x_train.permute(0, 3, 1, 2).contiguous(), x_test.permute(0, 3, 1, 2).contiguous()
    model = torch_model(hidden, dropout)
    if workload == "predict":
        return _predict(model.eval(), x_test, batch_size, epochs)
    optimizer = make_optimizer(model, hidden, capturable=framework == "torch-graphs")
    loss_fn = torch.nn.CrossEntropyLoss()

    network = model
    if framework == "torch-compile":
        network = torch.compile(model, mode="reduce-overhead")

    def eager_step(features, labels):
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(network(features), labels)
        loss.backward()
        optimizer.step()
        return loss

    step = eager_step
    note = ""
    if framework == "torch-compile":
        try:
            for _ in range(2):  # compile now (full and, below, short batches), so that a failure is reported
                eager_step(x_train[:batch_size], y_train[:batch_size])
            tail = len(x_train) % batch_size
            if tail:
                eager_step(x_train[:tail], y_train[:tail])
        except Exception as error:  # noqa: BLE001 - offline machines may lack Triton or a compiler
            return {"skipped": f"torch.compile failed: {type(error).__name__}: {str(error)[:120]}"}
        note = "compiled model, eager optimizer; 2-3 extra steps at compile"
    elif framework == "torch-graphs":
        step = _GraphedStep(model, optimizer, loss_fn, eager_step, batch_size, x_train, y_train)
        note = "three warm-up steps before capture, on the first batch"
    times = []
    num_samples = len(x_train)
    for _ in range(epochs):
        model.train()
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(num_samples, device="cuda")
        for first in range(0, num_samples, batch_size):
            batch = order[first : first + batch_size]
            step(x_train[batch], y_train[batch])
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        correct = sum(
            (model(x_test[i : i + 1000]).argmax(dim=1) == y_test[i : i + 1000]).sum().item()
            for i in range(0, len(x_test), 1000)
        )
    return {"times": times, "accuracy": correct / len(x_test), "note": note}


class _GraphedStep:
    """The whole training step as one CUDA graph for full batches; eager for the shorter last one."""

    def __init__(self, model, optimizer, loss_fn, eager_step, batch_size, x_train, y_train):
        import torch

        self.eager_step, self.batch_size = eager_step, batch_size
        self.static_x = x_train[:batch_size].clone()
        self.static_y = y_train[:batch_size].clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(self.static_x), self.static_y).backward()
                optimizer.step()
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)
        with torch.cuda.graph(self.graph):
            self.static_loss = loss_fn(model(self.static_x), self.static_y)
            self.static_loss.backward()
            optimizer.step()

    def __call__(self, features, labels):
        if len(features) != self.batch_size:
            return self.eager_step(features, labels)
        self.static_x.copy_(features)
        self.static_y.copy_(labels)
        self.graph.replay()
        return self.static_loss


def _predict(model, x_test, batch_size, repeats) -> dict:
    import torch

    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.no_grad():
            outputs = [
                torch.softmax(model(x_test[i : i + batch_size]), dim=1) for i in range(0, len(x_test), batch_size)
            ]
            torch.cat(outputs).cpu().numpy()  # to the host, as kerasette's predict returns NumPy
        times.append(time.perf_counter() - start)
    return {"times": times}
