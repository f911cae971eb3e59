"""The one-engine examples end to end on real MNIST: Keras's Functional API and subclassing
guides, DLwP's GAN (the discriminator frozen inside the combined model) and a VAE with a
train_step of its own. They skip without the data and fail when KERASETTE_REQUIRE_DATA=1."""

import contextlib
import importlib.util
import io
import pathlib
import re

import numpy as np
from data_helpers import require_dataset

from kerasette.datasets import mnist

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_functional_api_guide_runs_and_its_mnist_model_reaches_its_accuracy():
    require_dataset(mnist.load_data)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        module = load_example("functional_api_guide")
    # The guide's MLP after 2 epochs (keras.io shows about 0.96).
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+)", printed.getvalue()).group(1))
    assert accuracy >= 0.95
    assert "Connected to" in printed.getvalue()
    # Its model of three inputs and two outputs trained on dicts, logging each output's loss.
    assert "department_loss" in printed.getvalue() and "priority_loss" in printed.getvalue()
    assert module.new_model(np.ones((2, 4))).shape == (2, 10)


def test_the_subclassing_guide_runs_and_its_vae_learns_mnist():
    require_dataset(mnist.load_data)
    with contextlib.redirect_stdout(io.StringIO()):
        module = load_example("subclassing_guide")
        vae, history, _ = module.train_vae(epochs=1, verbose=0)
    # keras.io's guide shows a loss of about 0.075 after its first epoch.
    assert history.history["loss"][0] < 0.08
    assert len(vae.losses) == 1  # the KL term of the last call


def test_the_dlwp_gan_trains_the_generator_through_a_frozen_discriminator():
    require_dataset(mnist.load_data)
    module = load_example("gan_mnist")
    generator, discriminator, gan, _ = module.train(iterations=3, verbose=False)
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(16, module.LATENT_DIM))
    frozen, moving = discriminator.get_weights(), generator.get_weights()
    gan.train_on_batch(noise, np.zeros((16, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(frozen, discriminator.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(moving, generator.get_weights()))
    images = np.clip(rng.normal(size=(16, 784)), -1, 1)
    discriminator.train_on_batch(images, np.ones((16, 1)))
    assert not all(np.array_equal(a, b) for a, b in zip(frozen, discriminator.get_weights()))
    assert len(gan.trainable_weights) == len(generator.trainable_weights)


def test_a_gan_trains_for_a_few_hundred_steps_without_collapsing_to_nan():
    require_dataset(mnist.load_data)
    _, _, _, history = load_example("gan_mnist").train(iterations=200, verbose=False)
    losses = np.array(history)
    assert np.isfinite(losses).all()
    # The discriminator keeps learning something: its loss stays below chance's log(2) + margin.
    assert losses[-50:, 0].mean() < 0.75


def test_the_vae_with_its_own_train_step_learns_mnist():
    require_dataset(mnist.load_data)
    vae, history = load_example("vae_mnist").train(epochs=3, samples=20000, verbose=0)
    losses = history.history["total_loss"]
    assert set(history.history) == {"total_loss", "reconstruction_loss", "kl_loss"}
    assert losses[-1] < 0.85 * losses[0]
    # The 2-D code carries the digit: a test digit's reconstruction is nearer to it than to other digits.
    digits = np.expand_dims(mnist.load_data()[1][0][:200], -1).astype("float32") / 255
    z_mean, _ = vae.encoder.predict(digits, verbose=0)
    reconstructions = vae.decoder.predict(z_mean, verbose=0)
    own = np.mean((reconstructions - digits) ** 2)
    others = np.mean((reconstructions - np.roll(digits, 1, axis=0)) ** 2)
    assert z_mean.shape == (200, 2) and own < 0.92 * others
