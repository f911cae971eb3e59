"""Keras's classic ``mnist_mlp.py`` example, on kerasette.

Trains a simple deep multi-layer perceptron on MNIST: two hidden layers of 512 with
dropout 0.2, RMSprop, batch 128, 20 epochs, validating on the test set each epoch.
The Keras example reports 98.40% test accuracy.

Run:  python examples/mnist_mlp.py
"""

import kerasette as keras
from kerasette.datasets import mnist
from kerasette.layers import Dense, Dropout
from kerasette.models import Sequential
from kerasette.optimizers import RMSprop


def main(epochs: int = 20, verbose: int = 1):
    batch_size = 128
    num_classes = 10

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    x_test = x_test.reshape(10000, 784).astype("float32") / 255
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")

    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation="softmax"))
    model.summary()

    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])
    history = model.fit(
        x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose, validation_data=(x_test, y_test)
    )
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return model, history, score, (x_test, y_test)


if __name__ == "__main__":
    main()
