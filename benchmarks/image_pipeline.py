"""Images per second through an input pipeline: kerasette's image_dataset_from_directory
against torchvision's ImageFolder + DataLoader, on the same JPEG files, in one run.

Both pipelines do the same work per image: decode the JPEG and resize it to
``--size`` x ``--size`` with Pillow (bilinear), flip it left-right with probability 1/2,
and hand float32 batches of ``--batch-size`` to the caller, shuffled each epoch:

- kerasette: ``image_dataset_from_directory(...).map(flip).prefetch(AUTOTUNE)`` (decoding
  in its thread pool, the flip in NumPy on each batch);
- torchvision: ``ImageFolder`` with ``Resize``, ``RandomHorizontalFlip`` and
  ``PILToTensor`` in ``--workers`` worker processes (persistent), batches made float32.

With ``--augment``, the random augmentation of "Deep Learning with Python" 8.2 follows the
flip on both sides: a rotation by up to 0.1 turn (36 degrees) and a zoom by up to 20%,
bilinear:

- kerasette: ``layers.RandomFlip("horizontal")``, ``RandomRotation(0.1)``,
  ``RandomZoom(0.2)`` (SciPy's ``ndimage.affine_transform``) in a Sequential called with
  ``training=True`` in ``dataset.map``;
- torchvision: ``RandomHorizontalFlip``, ``RandomRotation(36)``, ``RandomAffine(0,
  scale=(0.8, 1.2))`` (Pillow's affine transforms in the workers);
- torch-pil (where torchvision does not import, e.g. no build matching the installed torch):
  the same with plain ``torch.utils.data.Dataset`` + ``DataLoader`` workers and Pillow
  (``Image.transpose``, ``rotate``, ``transform(AFFINE)``), which is what torchvision's
  transforms call for Pillow images.

Keras fills the corners that rotation and zoom uncover by reflection, Pillow with black, so
the mean pixels of the two differ a little with ``--augment``.

The frameworks alternate, each in a fresh process per round; a process reads
``--epochs`` epochs and the first (start-up: indexing, pools, workers) is left out of the
median. Each process also prints the mean pixel of its last epoch (0-255 scale): the two
must agree, so that a fast pipeline is not fast by doing less.

    python benchmarks/image_pipeline.py                # makes the images in a temporary folder
    python benchmarks/image_pipeline.py --rounds 3 --images 4000

Needs Pillow, torch and torchvision; run from the repository root with ``PYTHONPATH=.``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def make_images(folder: str, count: int, seed: int = 0) -> None:
    """``count`` JPEG files of 200-300 x 150-250 pixels in two class folders: smooth noise
    with a bright disc (class ``disc``) or a bright bar (class ``bar``)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for index in range(count):
        label = ("bar", "disc")[index % 2]
        os.makedirs(os.path.join(folder, label), exist_ok=True)
        height, width = int(rng.integers(150, 250)), int(rng.integers(200, 300))
        coarse = rng.uniform(0, 160, (height // 16 + 1, width // 16 + 1, 3))
        pixels = np.kron(coarse, np.ones((16, 16, 1)))[:height, :width] + rng.normal(0, 12, (height, width, 3))
        rows, columns = np.mgrid[:height, :width]
        centre_row, centre_column = rng.integers(height // 4, 3 * height // 4), rng.integers(width // 4, 3 * width // 4)
        if label == "disc":
            shape = (rows - centre_row) ** 2 + (columns - centre_column) ** 2 < (height // 5) ** 2
        else:
            shape = abs(rows - centre_row) < height // 12
        pixels[shape] += 90
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        image.save(os.path.join(folder, label, f"{index:05d}.jpg"), quality=90)


def run_kerasette(folder: str, size: int, batch_size: int, epochs: int, augment: bool = False) -> dict:
    from kerasette.utils import image_dataset_from_directory
    from kerasette.utils.dataset import AUTOTUNE

    if augment:
        import kerasette
        from kerasette import layers

        kerasette.utils.set_random_seed(0)
        augmentation = kerasette.Sequential(
            [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.2)]
        )
        dataset = image_dataset_from_directory(
            folder, image_size=(size, size), batch_size=batch_size, seed=0, verbose=False
        )
        dataset = dataset.map(lambda images, labels: (augmentation(images, training=True), labels))
        return _epochs(dataset.prefetch(AUTOTUNE), epochs, lambda images: images)

    flips = np.random.default_rng(0)

    def flip(images, labels):
        chosen = flips.random(len(images)) < 0.5
        return np.where(chosen[:, None, None, None], images[:, :, ::-1], images), labels

    dataset = image_dataset_from_directory(
        folder, image_size=(size, size), batch_size=batch_size, seed=0, verbose=False
    )
    dataset = dataset.map(flip).prefetch(AUTOTUNE)
    return _epochs(dataset, epochs, lambda images: images)


def run_torchvision(folder: str, size: int, batch_size: int, epochs: int, workers: int, augment=False) -> dict:
    import torch
    from torchvision import datasets, transforms

    torch.manual_seed(0)
    steps = [transforms.Resize((size, size)), transforms.RandomHorizontalFlip()]
    if augment:
        bilinear = transforms.InterpolationMode.BILINEAR
        steps += [
            transforms.RandomRotation(36, bilinear),
            transforms.RandomAffine(0, scale=(0.8, 1.2), interpolation=bilinear),
        ]
    transform = transforms.Compose([*steps, transforms.PILToTensor()])
    loader = torch.utils.data.DataLoader(
        datasets.ImageFolder(folder, transform=transform),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        persistent_workers=workers > 0,
        generator=torch.Generator().manual_seed(0),
    )
    return _epochs(loader, epochs, lambda images: images.float().numpy())


class PillowFolder:
    """A torch ``Dataset`` of the images of class subfolders, resized, flipped and (with
    ``augment``) rotated and zoomed with Pillow alone, as torchvision's transforms do it."""

    def __init__(self, folder: str, size: int, augment: bool):
        classes = sorted(os.listdir(folder))
        self.samples = [
            (os.path.join(folder, name, file), label)
            for label, name in enumerate(classes)
            for file in sorted(os.listdir(os.path.join(folder, name)))
        ]
        self.size, self.augment = size, augment

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        import random

        import torch
        from PIL import Image

        path, label = self.samples[index]
        with Image.open(path) as opened:
            image = opened.convert("RGB").resize((self.size, self.size), Image.BILINEAR)
        if random.random() < 0.5:
            image = image.transpose(Image.FLIP_LEFT_RIGHT)
        if self.augment:
            image = image.rotate(random.uniform(-36, 36), Image.BILINEAR)
            scale, centre = random.uniform(0.8, 1.2), (self.size - 1) / 2
            # Output pixel p reads the input at centre + (p - centre) / scale.
            shift = centre - centre / scale
            image = image.transform(
                image.size, Image.AFFINE, (1 / scale, 0, shift, 0, 1 / scale, shift), Image.BILINEAR
            )
        array = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1)
        return array, label


def run_torch_pil(folder: str, size: int, batch_size: int, epochs: int, workers: int, augment=False) -> dict:
    import random

    import torch

    torch.manual_seed(0)
    random.seed(0)
    loader = torch.utils.data.DataLoader(
        PillowFolder(folder, size, augment),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        persistent_workers=workers > 0,
        worker_init_fn=lambda worker: random.seed(worker),
        generator=torch.Generator().manual_seed(0),
    )
    return _epochs(loader, epochs, lambda images: images.float().numpy())


def _epochs(batches, epochs: int, to_float32) -> dict:
    times, counts = [], []
    for _ in range(epochs):
        start, count, total = time.perf_counter(), 0, 0.0
        for images, _labels in batches:
            images = to_float32(images)
            count += len(images)
            total += float(images.mean()) * len(images)
        times.append(time.perf_counter() - start)
        counts.append(count)
    return {"epoch_seconds": times, "images": counts[-1], "mean_pixel": total / counts[-1]}


def versions() -> str:
    import PIL

    found = [f"Python {platform.python_version()}", f"NumPy {np.__version__}", f"Pillow {PIL.__version__}"]
    try:
        import torch

        found.append(f"torch {torch.__version__}")
        import torchvision

        found.append(f"torchvision {torchvision.__version__}")
    except (ImportError, RuntimeError) as error:  # a torchvision built for another torch fails with RuntimeError
        found.append(f"torchvision not usable ({type(error).__name__}: {error})")
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="folder of class subfolders of images (made when absent or empty)")
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="DataLoader worker processes")
    parser.add_argument("--frameworks", default="kerasette,torchvision", help="kerasette, torchvision, torch-pil")
    parser.add_argument("--augment", action="store_true", help="add RandomRotation and RandomZoom (DLwP 8.2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.worker:
        common = (arguments.dir, arguments.size, arguments.batch_size, arguments.epochs)
        if arguments.worker == "kerasette":
            result = run_kerasette(*common, augment=arguments.augment)
        elif arguments.worker == "torch-pil":
            result = run_torch_pil(*common, arguments.workers, augment=arguments.augment)
        else:
            result = run_torchvision(*common, arguments.workers, augment=arguments.augment)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as scratch:
        folder = arguments.dir or os.path.join(scratch, "images")
        if not os.path.isdir(folder) or not os.listdir(folder):
            start = time.perf_counter()
            make_images(folder, arguments.images)
            print(f"made {arguments.images} JPEG files in {time.perf_counter() - start:.1f} s")
        print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; {versions()}")
        print(
            f"images {size_of(folder)}, resized to {arguments.size}x{arguments.size}, batch {arguments.batch_size}, "
            f"{arguments.epochs} epochs per process, {arguments.rounds} rounds, workers {arguments.workers}; "
            f"augmentation: {'flip, rotation, zoom' if arguments.augment else 'flip'}"
        )
        frameworks = arguments.frameworks.split(",")
        epochs: dict[str, list[float]] = {name: [] for name in frameworks}
        pixels: dict[str, float] = {}
        for round_index in range(arguments.rounds):
            for name in frameworks:
                command = [sys.executable, __file__, "--worker", name, "--dir", folder]
                command += ["--size", str(arguments.size), "--batch-size", str(arguments.batch_size)]
                command += ["--epochs", str(arguments.epochs), "--workers", str(arguments.workers)]
                command += ["--augment"] if arguments.augment else []
                output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                result = json.loads(output.strip().splitlines()[-1])
                seconds = [round(s, 3) for s in result["epoch_seconds"]]
                print(f"round {round_index} {name}: epochs {seconds} s, {result['images']} images, "
                      f"mean pixel {result['mean_pixel']:.2f}")  # fmt: skip
                epochs[name] += seconds[1:]
                pixels[name] = result["mean_pixel"]
        images = result["images"]
        first = frameworks[0]
        print("\n| pipeline | median epoch s (first of each process left out) | images/s | "
              f"{first} images/s ÷ this | mean pixel |")  # fmt: skip
        print("| --- | --- | --- | --- | --- |")
        for name in frameworks:
            median = statistics.median(epochs[name])
            ratio = statistics.median(epochs[name]) / statistics.median(epochs[first])
            print(f"| {name} | {median:.3f} | {images / median:.0f} | {ratio:.2f}x | {pixels[name]:.2f} |")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def size_of(folder: str) -> str:
    count = sum(len(files) for _, _, files in os.walk(folder))
    return f"{count} files in {folder}"


if __name__ == "__main__":
    main()
