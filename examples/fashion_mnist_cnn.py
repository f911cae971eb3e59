"""A convolutional network for Fashion-MNIST, on kerasette.

The convolutional counterpart of ``fashion_mnist.py`` (TensorFlow's basic classification
tutorial): two 'same'-padded convolution and max-pooling blocks, a 128-unit dense layer
with dropout, and ten logits trained with ``from_logits=True`` cross-entropy; Adam,
batch 64, 10 epochs. Such a network reaches about 91-92% test accuracy, against the
dense tutorial's 88%.

Run:  python examples/fashion_mnist_cnn.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers
from kerasette.datasets import fashion_mnist

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def main(
    epochs: int = 10, train_samples: int | None = None, test_samples: int | None = None, verbose: int = 1
) -> float:
    """Train the network and return its test accuracy.

    Args:
        epochs: Training epochs.
        train_samples: Train on the first this many training images only (all when None).
        test_samples: Evaluate on the first this many test images only (all when None).
        verbose: ``fit``'s verbosity.
    """
    (train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
    train_images, train_labels = train_images[:train_samples], train_labels[:train_samples]
    test_images, test_labels = test_images[:test_samples], test_labels[:test_samples]
    train_images = np.expand_dims(train_images.astype("float32") / 255, -1)
    test_images = np.expand_dims(test_images.astype("float32") / 255, -1)

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(len(CLASS_NAMES)),
        ]
    )
    model.summary()
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(train_images, train_labels, epochs=epochs, batch_size=64, verbose=verbose)

    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    print("Test accuracy:", test_acc)
    return test_acc


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    main()
