"""The "Hello TensorFlow" single neuron, on kerasette.

One weight w = 0.8, one input x = 1.0, target 0, loss (w*x - 0)^2, gradient descent with
learning rate 0.025. The first gradient is 2 * 0.8 = 1.6, so the first step gives
w = 0.8 - 0.025 * 1.6 = 0.76; after 100 steps the output is 0.8 * 0.95**100 ~ 0.0047.

Run:  python examples/single_neuron.py
"""
import kerasette as keras


def main(steps: int = 100, verbose: bool = True) -> list[float]:
    """Train for ``steps`` steps; return the neuron's output before each step and after the last."""
    model = keras.Sequential([
        keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(0.8),
                           input_shape=(1,), name="weight"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.025), loss="mse")
    x, target = [[1.0]], [[0.0]]

    outputs = []
    for step in range(steps):
        output = float(model.predict_on_batch(x)[0, 0])
        outputs.append(output)
        if verbose:
            print(f"step {step}, output: {output}")
        model.train_on_batch(x, target)
    outputs.append(float(model.predict_on_batch(x)[0, 0]))
    if verbose:
        print(f"after {steps} steps, output: {outputs[-1]}")
    return outputs


if __name__ == "__main__":
    main()
