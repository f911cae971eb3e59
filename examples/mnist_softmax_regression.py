"""The TensorFlow "MNIST for beginners" softmax regression, on kerasette.

A single zero-initialised Dense(10, softmax) layer, trained with plain gradient descent
(learning rate 0.5) on 1000 batches of 100 images drawn at random, one ``train_on_batch``
each, as the tutorial's ``mnist.train.next_batch(100)`` loop does. The tutorial reports
about 92% test accuracy.

Run:  python examples/mnist_softmax_regression.py
"""

import numpy as np

import kerasette as keras
from kerasette.datasets import mnist
from kerasette.utils import to_categorical


def main(seed: int = 0) -> float:
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    x_train = train_images.reshape(-1, 784).astype("float32") / 255
    y_train = to_categorical(train_labels, 10)
    x_test = test_images.reshape(-1, 784).astype("float32") / 255
    y_test = to_categorical(test_labels, 10)

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(10, activation="softmax", kernel_initializer="zeros", bias_initializer="zeros"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="categorical_crossentropy", metrics=["accuracy"]
    )

    rng = np.random.default_rng(seed)
    for _ in range(1000):
        batch = rng.choice(len(x_train), size=100, replace=False)
        model.train_on_batch(x_train[batch], y_train[batch])

    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print("test accuracy:", accuracy)
    return accuracy


if __name__ == "__main__":
    main()
