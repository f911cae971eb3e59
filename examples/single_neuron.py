"""The "Hello TensorFlow" single neuron, on kerasette.

One weight w = 0.8, one input x = 1.0, target 0, loss (w*x - 0)^2, gradient descent with
learning rate 0.025. The first gradient is 2 * 0.8 = 1.6, so the first step gives
w = 0.8 - 0.025 * 1.6 = 0.76; after 100 steps the output is 0.8 * 0.95**100 ~ 0.0047.

As in the tutorial, the input, weight, output, target and loss of every step go to
TensorBoard (``tensorboard --logdir log_simple_stats``) when the ``tensorboard`` package
is installed (``pip install "kerasette[tensorboard]"``).

Run:  python examples/single_neuron.py
"""

import contextlib
import importlib.util

import kerasette as keras


def main(steps: int = 100, verbose: bool = True, log_dir: str | None = "log_simple_stats") -> list[float]:
    """Train for ``steps`` steps; return the neuron's output before each step and after the last.

    Scalars are logged to ``log_dir`` when it is given and tensorboard is installed.
    """
    model = keras.Sequential(
        [
            keras.layers.Dense(
                1, use_bias=False, kernel_initializer=keras.initializers.Constant(0.8), input_shape=(1,), name="weight"
            ),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.025), loss="mse")
    x, target = [[1.0]], [[0.0]]

    logging = log_dir is not None and importlib.util.find_spec("tensorboard") is not None
    writer = keras.callbacks.SummaryWriter(log_dir) if logging else contextlib.nullcontext()
    outputs = []
    with writer:
        for step in range(steps):
            output = float(model.predict_on_batch(x)[0, 0])
            outputs.append(output)
            if verbose:
                print(f"step {step}, output: {output}")
            if logging:
                weight = float(model.get_weights()[0][0, 0])
                for tag, value in (
                    ("input", x[0][0]),
                    ("weight", weight),
                    ("output", output),
                    ("correct_value", target[0][0]),
                    ("loss", (output - target[0][0]) ** 2),
                ):
                    writer.add_scalar(tag, value, step)
            model.train_on_batch(x, target)
    outputs.append(float(model.predict_on_batch(x)[0, 0]))
    if verbose:
        print(f"after {steps} steps, output: {outputs[-1]}")
    return outputs


if __name__ == "__main__":
    main()
