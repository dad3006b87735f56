#!/usr/bin/python3
"""Checks (or rewrites) the preprocessing goldens in test/reference/goldens/preprocess/.

Each case of preprocess-visible.json names an image and two float32 CHW 3x224x224 tensors:
  - 'clip': the original OpenAI/open_clip order that CLIP_benchmark uses, with the real
    torchvision 0.14 transforms: Resize(224, BICUBIC) of the shortest side, CenterCrop(224),
    convert('RGB'), ToTensor, Normalize(CLIP mean/std);
  - 'hf': transformers' CLIPImageProcessor order, re-implemented with numpy (transformers is not
    packaged in Debian): convert('RGB'), PIL bicubic resize of the shortest side to 224 (long side
    int(224 * long / short)), floor-offset centre crop, v / 255 rounded to float32, (x - mean) / std
    in float32.

Usage (from the project root; Debian's python3-torchvision, python3-pil, python3-numpy):
  /usr/bin/python3 tools/reference/preprocess_goldens.py           # compare, print max |diff| per file
  /usr/bin/python3 tools/reference/preprocess_goldens.py --write   # rewrite the .f32 files
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

DIR = Path(__file__).resolve().parents[2] / 'test' / 'reference' / 'goldens' / 'preprocess'


def clip_tensor(im, mean, std, size=224):
    pipeline = T.Compose([
        T.Resize(size, interpolation=T.InterpolationMode.BICUBIC),
        T.CenterCrop(size),
        lambda i: i.convert('RGB'),
        T.ToTensor(),
        T.Normalize(mean, std),
    ])
    return pipeline(im).numpy().astype(np.float32)


def hf_tensor(im, mean, std, size=224):
    im = im.convert('RGB')
    w, h = im.size
    new = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
    arr = np.asarray(im.resize(new, Image.BICUBIC))
    top, left = (arr.shape[0] - size) // 2, (arr.shape[1] - size) // 2
    # v / 255 rounded to float32 once, as ToTensor does (the goldens use the same scaling for both orders).
    crop = (arr[top:top + size, left:left + size] / 255.0).astype(np.float32)
    out = (crop - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(out.transpose(2, 0, 1), dtype=np.float32)


def main():
    write = '--write' in sys.argv[1:]
    spec = json.loads((DIR / 'preprocess-visible.json').read_text())
    worst = 0.0
    for case in spec['cases']:
        im = Image.open(DIR / case['image'])
        for mode, make in (('clip', clip_tensor), ('hf', hf_tensor)):
            ours = make(im, spec['mean'], spec['std'])
            target = DIR / case[mode]
            if write:
                target.write_bytes(ours.astype('<f4').tobytes())
                continue
            golden = np.frombuffer(target.read_bytes(), '<f4').reshape(ours.shape)
            diff = float(np.abs(golden - ours).max())
            worst = max(worst, diff)
            print(f'{case[mode]:32s} max |diff| {diff:.3g}')
    if not write:
        print(f'worst {worst:.3g}')
        sys.exit(0 if worst == 0 else 1)


if __name__ == '__main__':
    main()
