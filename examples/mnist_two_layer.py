"""The first network of "Deep Learning with Python", section 2.1, on kerasette.

The program is the book's, with ``keras`` replaced by ``kerasette`` in the imports:
Dense(512, relu) -> Dense(10, softmax), RMSprop, categorical cross-entropy, 5 epochs
of batches of 128. The book reports 97.93% test accuracy.

Run:  python examples/mnist_two_layer.py
"""

from kerasette import layers, models
from kerasette.datasets import mnist
from kerasette.utils import to_categorical


def main(verbose: int = 1) -> float:
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()

    network = models.Sequential()
    network.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation="softmax"))
    network.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])

    train_images = train_images.reshape((60000, 28 * 28))
    train_images = train_images.astype("float32") / 255
    test_images = test_images.reshape((10000, 28 * 28))
    test_images = test_images.astype("float32") / 255

    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)

    network.fit(train_images, train_labels, epochs=5, batch_size=128, verbose=verbose)
    test_loss, test_acc = network.evaluate(test_images, test_labels, verbose=verbose)
    print("test_acc:", test_acc)
    return test_acc


if __name__ == "__main__":
    main()
