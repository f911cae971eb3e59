"""Keras's "Simple MNIST convnet" example, on kerasette.

Two convolution and max-pooling blocks, dropout 0.5 and a softmax classifier (34,826
parameters); Adam, categorical cross-entropy, batch 128, 15 epochs, the last 10% of the
training set held out for validation. The Keras example reports about 99% test accuracy.

Run:  python examples/mnist_convnet.py

Reference: https://keras.io/examples/vision/mnist_convnet/
"""

import numpy as np

import kerasette as keras
from kerasette import layers


def main(
    epochs: int = 15, train_samples: int | None = None, test_samples: int | None = None, verbose: int = 1
) -> float:
    """Train the convnet and return its test accuracy.

    Args:
        epochs: Training epochs (the example's 15 by default).
        train_samples: Train on the first this many training images only (all when None),
            for quick runs.
        test_samples: Evaluate on the first this many test images only (all when None).
        verbose: ``fit``'s verbosity.
    """
    num_classes = 10
    input_shape = (28, 28, 1)

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:train_samples], y_train[:train_samples]
    x_test, y_test = x_test[:test_samples], y_test[:test_samples]
    # Scale images to the [0, 1] range and give them a channel axis.
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")

    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.summary()

    batch_size = 128
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1, verbose=verbose)

    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return score[1]


if __name__ == "__main__":
    main()
