"""A GAN on MNIST in the style of "Deep Learning with Python" (1st edition, section 8.5).

The book's training loop, with ``keras`` replaced by ``kerasette`` in the imports: the
discriminator is compiled on its own, then frozen (``discriminator.trainable = False``)
before the combined ``gan`` model is compiled, so that training ``gan`` moves only the
generator while ``discriminator.train_on_batch`` still trains the discriminator. The
book's networks are convolutional with ``Conv2DTranspose``; these are dense, as in
Keras's early MNIST GAN examples, so that the program runs in minutes on a CPU.

Run:  python examples/gan_mnist.py [iterations]
"""

import sys

import numpy as np

import kerasette as keras
from kerasette import layers
from kerasette.datasets import mnist

LATENT_DIM = 32


def build_models():
    generator = keras.Sequential(
        [
            layers.Dense(256, input_shape=(LATENT_DIM,)),
            layers.LeakyReLU(),
            layers.Dense(512),
            layers.LeakyReLU(),
            layers.Dense(28 * 28, activation="tanh"),
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            layers.Dense(512, input_shape=(28 * 28,)),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Dense(256),
            layers.LeakyReLU(),
            layers.Dense(1, activation="sigmoid"),
        ],
        name="discriminator",
    )
    discriminator.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.0008), loss="binary_crossentropy")

    # Frozen inside the combined model only: the book's pattern (trainable is read at compile).
    discriminator.trainable = False
    gan_input = keras.Input(shape=(LATENT_DIM,))
    gan = keras.Sequential([gan_input, generator, discriminator], name="gan")
    gan.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.0004), loss="binary_crossentropy")
    return generator, discriminator, gan


def train(iterations: int = 2000, batch_size: int = 64, seed: int = 0, verbose: bool = True):
    keras.utils.set_random_seed(seed)
    (x_train, _), _ = mnist.load_data()
    x_train = x_train.reshape(len(x_train), 28 * 28).astype("float32") / 127.5 - 1.0
    generator, discriminator, gan = build_models()
    rng = np.random.default_rng(seed)
    history = []
    start = 0
    for step in range(iterations):
        random_latent_vectors = rng.normal(size=(batch_size, LATENT_DIM))
        generated_images = generator.predict(random_latent_vectors, verbose=0)
        real_images = x_train[start : start + batch_size]
        combined_images = np.concatenate([generated_images, real_images])
        labels = np.concatenate([np.ones((batch_size, 1)), np.zeros((batch_size, 1))])
        # The book's trick, noise on the labels, kept inside [0, 1]: kerasette refuses
        # binary cross-entropy targets outside it, where Keras accepts the book's 1.05.
        labels = np.abs(labels - 0.05 * rng.random(labels.shape))
        d_loss = discriminator.train_on_batch(combined_images, labels)

        random_latent_vectors = rng.normal(size=(batch_size, LATENT_DIM))
        misleading_targets = np.zeros((batch_size, 1))  # "these are real images"
        a_loss = gan.train_on_batch(random_latent_vectors, misleading_targets)
        history.append((float(d_loss), float(a_loss)))

        start += batch_size
        if start > len(x_train) - batch_size:
            start = 0
        if verbose and step % 200 == 0:
            print(f"step {step}: discriminator loss {d_loss:.3f}, adversarial loss {a_loss:.3f}")
    return generator, discriminator, gan, history


if __name__ == "__main__":
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
