"""Fashion-MNIST mosaics: 2x2 grids of clothing photos with captions written
from their contents and layout. Shared by the bundled retrieval set
(make_mosaics.py, test split) and the demo model's training (train split).
"""

from __future__ import annotations

import numpy as np

# Everyday words per Fashion-MNIST class (label order), plural forms beside.
WORDS = [
    ("t-shirt", "t-shirts"), ("pair of trousers", "pairs of trousers"), ("pullover", "pullovers"),
    ("dress", "dresses"), ("coat", "coats"), ("sandal", "sandals"), ("shirt", "shirts"),
    ("sneaker", "sneakers"), ("bag", "bags"), ("ankle boot", "ankle boots"),
]
# Grid cells in reading order: top-left, top-right, bottom-left, bottom-right.
CELLS = ["top left", "top right", "bottom left", "bottom right"]
NUMBERS = {2: "two", 3: "three", 4: "four"}


def article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def counted(label: int, n: int) -> str:
    return article(WORDS[label][0]) if n == 1 else f"{NUMBERS[n]} {WORDS[label][1]}"


def inventory(labels: list[int]) -> list[str]:
    """'two dresses', 'a bag', ... in first-appearance order."""
    order = list(dict.fromkeys(labels))
    return [counted(l, labels.count(l)) for l in order]


def join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def side(labels: list[int], cells: tuple[int, int]) -> str:
    return join(inventory([labels[c] for c in cells]))


def captions(labels: list[int], rng: np.random.Generator) -> list[str]:
    """Five captions in varied phrasing: contents, rows, columns, a corner, a loose summary."""
    top, bottom, left, right = side(labels, (0, 1)), side(labels, (2, 3)), side(labels, (0, 2)), side(labels, (1, 3))
    corner = int(rng.integers(4))
    candidates = [
        f"a grid of four clothing photos: {join(inventory(labels))}",
        f"{top} above {bottom}",
        f"{left} on the left, {right} on the right",
        f"{article(WORDS[labels[corner]][0])} in the {CELLS[corner]} corner, with {join(inventory([l for i, l in enumerate(labels) if i != corner]))}",
        f"{join(inventory(labels))} arranged in two rows",
        f"product photos of {join(inventory(labels))}",
        f"{top} in the top row and {bottom} below",
    ]
    picks = rng.choice(len(candidates), size=5, replace=False)
    return [candidates[i] for i in sorted(picks)]


def compose(tiles: np.ndarray) -> np.ndarray:
    """Four 28x28 uint8 tiles (reading order) -> one 56x56 uint8 image."""
    return np.block([[tiles[0], tiles[1]], [tiles[2], tiles[3]]])


def sample_mosaics(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices [count, 4] of source images; each mosaic holds 2-4 distinct classes."""
    out = np.empty((count, 4), dtype=np.int64)
    for m in range(count):
        while True:
            pick = rng.choice(len(labels), size=4, replace=False)
            if len(set(labels[pick].tolist())) >= 2:
                out[m] = pick
                break
    return out
