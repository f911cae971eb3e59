"""TensorFlow's "Basic classification: Fashion-MNIST" tutorial, on kerasette.

The tutorial's program with ``tf.keras`` replaced by ``kerasette``: Flatten ->
Dense(128, relu) -> Dense(10) logits, Adam, sparse categorical cross-entropy from
logits, 10 epochs, then ``Sequential([model, Softmax()])`` to predict probabilities.
The tutorial reports about 88% test accuracy.

Run:  python examples/fashion_mnist.py
"""

import numpy as np

import kerasette as keras

class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def main(epochs: int = 10, verbose: int = 1):
    fashion_mnist = keras.datasets.fashion_mnist
    (train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()

    train_images = train_images / 255.0
    test_images = test_images / 255.0

    model = keras.Sequential(
        [
            keras.layers.Flatten(input_shape=(28, 28)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    model.fit(train_images, train_labels, epochs=epochs, verbose=verbose)

    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
    print("\nTest accuracy:", test_acc)

    probability_model = keras.Sequential([model, keras.layers.Softmax()])
    predictions = probability_model.predict(test_images, verbose=0)
    print("first prediction:", class_names[int(np.argmax(predictions[0]))], "- label:", class_names[test_labels[0]])
    return test_acc, predictions, test_labels


if __name__ == "__main__":
    main()
