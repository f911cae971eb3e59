"""The first convnet of "Deep Learning with Python" (section 5.1), on kerasette.

Three convolutions with max pooling between them, then a 64-unit dense layer and a
softmax over the ten digits; RMSprop, categorical cross-entropy, 5 epochs of batch 64
on the full MNIST training set. The book reports 99.08% test accuracy.

Run:  python examples/dlwp_convnet.py

Reference: F. Chollet, Deep Learning with Python (Manning, 2017), listing 5.1-5.3.
"""

import kerasette as keras
from kerasette import layers, models
from kerasette.datasets import mnist
from kerasette.utils import to_categorical


def main(epochs: int = 5, train_samples: int | None = None, test_samples: int | None = None, verbose: int = 1) -> float:
    """Train the book's convnet and return its test accuracy.

    Args:
        epochs: Training epochs (the book's 5 by default).
        train_samples: Train on the first this many training images only (all when None).
        test_samples: Evaluate on the first this many test images only (all when None).
        verbose: ``fit``'s verbosity.
    """
    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.summary()

    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    train_images, train_labels = train_images[:train_samples], train_labels[:train_samples]
    test_images, test_labels = test_images[:test_samples], test_labels[:test_samples]
    train_images = train_images.reshape((len(train_images), 28, 28, 1)).astype("float32") / 255
    test_images = test_images.reshape((len(test_images), 28, 28, 1)).astype("float32") / 255
    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)

    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=epochs, batch_size=64, verbose=verbose)

    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    print("test_acc:", test_acc)
    return test_acc


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    main()
