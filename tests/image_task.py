"""A generated two-class image task as a folder of JPEG files, for the cats-vs-dogs tests.

"cats" hold a bar lying along the width, "dogs" a bar standing along the height, each of a
random colour, length, thickness and place on a noisy background of another colour:
orientation is what tells them apart, which a convnet learns and the pixel means do not
show; flips, rotations up to 36 degrees and zooms keep the label.
"""

from __future__ import annotations

import pathlib

import numpy as np
from PIL import Image

CLASSES = ("cats", "dogs")


def draw(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    background = rng.uniform(0, 255, 3)
    image = np.clip(background + rng.normal(0, 10, (size, size, 3)), 0, 255)
    length, thickness = rng.integers(size // 2 + 2, size - 6), rng.integers(size // 6, size // 4 + 1)
    along, across = rng.integers(3, size - length - 2), rng.integers(3, size - thickness - 2)
    # The bar is 100 to 127 levels away from the background in each channel, either way.
    colour = np.where(background < 128, background + rng.uniform(100, 127, 3), background - rng.uniform(100, 127, 3))
    if label == 0:
        image[across : across + thickness, along : along + length] = colour
    else:
        image[along : along + length, across : across + thickness] = colour
    return image.astype("uint8")


def make_task(root: pathlib.Path, counts=(("train", 300), ("validation", 50), ("test", 50)), size=32, seed=0):
    """``root/<split>/<class>/<n>.jpg``, ``count`` images a class in each split."""
    rng = np.random.default_rng(seed)
    for split, count in counts:
        for label, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for index in range(count):
                Image.fromarray(draw(rng, label, size)).save(folder / f"{name}.{index}.jpg", quality=90)
    return root
