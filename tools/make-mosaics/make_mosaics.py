#!/usr/bin/env python3
"""Writes the bundled retrieval set: COCO-format captions for 2x2 mosaics of
Fashion-MNIST *test* images (Debian dataset-fashion-mnist, MIT).

    /usr/bin/python3 tools/make-mosaics/make_mosaics.py [--count 300] [--seed 0] [--out datasets/fashion-mosaics]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mosaics import captions, compose, sample_mosaics  # noqa: E402

SOURCE = Path("/usr/share/datasets/fashion-mnist")


def read_idx(path: Path) -> np.ndarray:
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(split_prefix: str, kind: str) -> Path:
    matches = sorted(SOURCE.glob(f"{split_prefix}-{kind}-idx*-ubyte*"))
    if not matches:
        sys.exit(f"no {split_prefix} {kind} IDX file in {SOURCE}; apt-get install dataset-fashion-mnist")
    return matches[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("datasets/fashion-mosaics"))
    args = parser.parse_args()
    images, labels = read_idx(find("t10k", "images")), read_idx(find("t10k", "labels"))
    rng = np.random.default_rng(args.seed)
    picks = sample_mosaics(labels, args.count, rng)
    (args.out / "images").mkdir(parents=True, exist_ok=True)
    coco = {"info": {"description": "Fashion-MNIST test-split mosaics (2x2) with generated captions", "licence": "MIT"},
            "images": [], "annotations": []}
    for m, pick in enumerate(picks):
        name = f"{m:04d}.png"
        Image.fromarray(compose(images[pick])).save(args.out / "images" / name, optimize=True)
        coco["images"].append({"id": m, "file_name": name, "source_indices": pick.tolist()})
        for text in captions(labels[pick].tolist(), rng):
            coco["annotations"].append({"id": len(coco["annotations"]), "image_id": m, "caption": text})
    (args.out / "captions.json").write_text(json.dumps(coco, indent=1) + "\n")
    print(f"wrote {args.count} mosaics, {len(coco['annotations'])} captions to {args.out}")


if __name__ == "__main__":
    main()
