"""One layer's forward and backward pass, kerasette against PyTorch eager, for the layers of
Keras's catalogue added for issue 19.

Usage (from the repository root, whose kerasette is the one measured):
    PYTHONPATH=. python benchmarks/layer_catalogue.py [--rounds 3] [--repeats 20]

Each round runs, for every layer below, PyTorch then kerasette, each in a fresh process
(``--framework torch|kerasette --layer NAME``): the layer is built with the same random
weights and inputs in both, then ``--repeats`` timed forward + backward passes follow
three untimed ones (kerasette: one ``GradientTape`` per pass, gradients of the inputs and
weights; PyTorch: ``backward`` with the same output gradient). Each framework uses its
own layout (channels-last for kerasette, as Keras; channels-first for PyTorch). Before
timing, each process checks its outputs and input gradient against the other framework's
formula on the host (a fast wrong layer is not fast): the kerasette process loads the
PyTorch process's results for the same seed. Prints per layer and framework the median
of the per-round medians, in milliseconds, and kerasette's time over PyTorch's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BATCH, SIDE, CHANNELS = 32, 16, 16

# name: (the kerasette layer, from kerasette.layers; channels-last input shape)
LAYERS = {
    "Conv2DTranspose": (
        lambda layers: layers.Conv2DTranspose(16, 3, strides=2),
        (BATCH, SIDE, SIDE, CHANNELS),
    ),
    "DepthwiseConv2D": (lambda layers: layers.DepthwiseConv2D(3, padding="same"), (BATCH, SIDE, SIDE, CHANNELS)),
    "SeparableConv2D": (lambda layers: layers.SeparableConv2D(32, 3, padding="same"), (BATCH, SIDE, SIDE, CHANNELS)),
    "Conv3D": (lambda layers: layers.Conv3D(8, 3, padding="same"), (8, 8, 8, 8, 8)),
    "GroupNormalization": (lambda layers: layers.GroupNormalization(4), (BATCH, SIDE, SIDE, CHANNELS)),
    "UpSampling2D-bilinear": (
        lambda layers: layers.UpSampling2D(interpolation="bilinear"),
        (BATCH, SIDE, SIDE, CHANNELS),
    ),
}


def torch_layer(name: str, weights: list, torch):
    """The PyTorch module equivalent to the kerasette layer, given kerasette's weights."""
    nn = torch.nn

    def tensor(array, *axes):
        return nn.Parameter(torch.from_numpy(np.ascontiguousarray(array.transpose(*axes))))

    if name == "Conv2DTranspose":
        module = nn.ConvTranspose2d(CHANNELS, 16, 3, stride=2)  # 'valid': no cropping on either side
        module.weight, module.bias = tensor(weights[0], 3, 2, 0, 1), tensor(weights[1], 0)
        return module
    if name == "DepthwiseConv2D":
        module = nn.Conv2d(CHANNELS, CHANNELS, 3, padding=1, groups=CHANNELS)
        module.weight, module.bias = tensor(weights[0], 2, 3, 0, 1), tensor(weights[1], 0)
        return module
    if name == "SeparableConv2D":
        depthwise = nn.Conv2d(CHANNELS, CHANNELS, 3, padding=1, groups=CHANNELS, bias=False)
        pointwise = nn.Conv2d(CHANNELS, 32, 1)
        depthwise.weight = tensor(weights[0], 2, 3, 0, 1)
        pointwise.weight, pointwise.bias = tensor(weights[1], 3, 2, 0, 1), tensor(weights[2], 0)
        return nn.Sequential(depthwise, pointwise)
    if name == "Conv3D":
        module = nn.Conv3d(8, 8, 3, padding=1)
        module.weight, module.bias = tensor(weights[0], 4, 3, 0, 1, 2), tensor(weights[1], 0)
        return module
    if name == "GroupNormalization":
        module = nn.GroupNorm(4, CHANNELS, eps=1e-3)
        module.weight, module.bias = tensor(weights[0], 0), tensor(weights[1], 0)
        return module
    return nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)


def channels_first(array):
    return np.ascontiguousarray(np.moveaxis(array, -1, 1))


def run_torch(name: str, weights, inputs, grad, repeats: int, record: str) -> list[float]:
    import torch

    torch.manual_seed(0)
    module = torch_layer(name, weights, torch)
    x = torch.from_numpy(channels_first(inputs)).requires_grad_(True)
    g = torch.from_numpy(channels_first(grad))

    def step():
        x.grad = None
        module.zero_grad()
        y = module(x)
        y.backward(g)
        return y

    y = step()
    np.savez(record, outputs=np.moveaxis(y.detach().numpy(), 1, -1), grad=np.moveaxis(x.grad.numpy(), 1, -1))
    return timed(step, repeats)


def run_kerasette(name: str, inputs, grad, repeats: int, record: str) -> list[float]:
    import kerasette
    from kerasette import backend, layers
    from kerasette.ops import tape

    layer = LAYERS[name][0](layers)
    layer.build((None, *inputs.shape[1:]))
    set_weights(layer)
    x = tape.Tensor(backend.to_device(inputs, "float32"))
    g = backend.to_device(grad, "float32")
    sources = [x, *layer.trainable_weights]

    def step():
        with kerasette.GradientTape() as gradient_tape:
            gradient_tape.watch(sources)
            outputs = layer(x, training=True)
        return outputs, gradient_tape.gradient(outputs, sources, output_gradients=[g])

    outputs, grads = step()
    expected = np.load(record)
    np.testing.assert_allclose(backend.to_numpy(tape.unwrap(outputs)), expected["outputs"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(backend.to_numpy(grads[0]), expected["grad"], rtol=1e-4, atol=1e-4)
    return timed(step, repeats)


def set_weights(layer) -> list:
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.2 for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def timed(step, repeats: int) -> list[float]:
    for _ in range(3):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def worker(arguments) -> None:
    rng = np.random.default_rng(2)
    shape = LAYERS[arguments.layer][1]
    inputs = rng.standard_normal(shape).astype("float32")

    from kerasette import layers

    layer = LAYERS[arguments.layer][0](layers)
    layer.build((None, *shape[1:]))
    weights = set_weights(layer)
    output_shape = (shape[0], *layer.compute_output_shape((None, *shape[1:]))[1:])
    grad = rng.standard_normal(output_shape).astype("float32")
    if arguments.framework == "torch":
        times = run_torch(arguments.layer, weights, inputs, grad, arguments.repeats, arguments.record)
    else:
        times = run_kerasette(arguments.layer, inputs, grad, arguments.repeats, arguments.record)
    print(json.dumps({"layer": arguments.layer, "framework": arguments.framework, "times": times}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--framework", choices=("torch", "kerasette"))
    parser.add_argument("--layer", choices=sorted(LAYERS))
    parser.add_argument("--record")
    arguments = parser.parse_args()
    if arguments.framework:
        worker(arguments)
        return
    medians = {}
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(arguments.rounds):
            for name in LAYERS:
                record = os.path.join(folder, f"{name}.npz")
                for framework in ("torch", "kerasette"):
                    command = [sys.executable, __file__, "--framework", framework, "--layer", name]
                    command += ["--repeats", str(arguments.repeats), "--record", record]
                    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
                    median = statistics.median(result["times"]) * 1000
                    medians.setdefault((name, framework), []).append(median)
                    print(
                        f"round {round_number + 1} {name:22s} {framework:9s} median {median:8.3f} ms "
                        f"(all: {', '.join(f'{t * 1000:.2f}' for t in result['times'])})",
                        flush=True,
                    )
    print("\n| layer | input (channels-last) | torch ms | kerasette ms | kerasette ÷ torch |")
    print("| --- | --- | --- | --- | --- |")
    for name in LAYERS:
        torch_ms = statistics.median(medians[name, "torch"])
        ours_ms = statistics.median(medians[name, "kerasette"])
        print(f"| {name} | {LAYERS[name][1]} | {torch_ms:.3f} | {ours_ms:.3f} | {ours_ms / torch_ms:.2f}x |")


if __name__ == "__main__":
    main()
