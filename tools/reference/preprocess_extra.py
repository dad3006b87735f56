#!/usr/bin/python3
"""Makes the tiny PIL-reference fixtures for test/preprocess.test.ts (run once; the output is committed).

For each source image it writes (into test/fixtures/preprocess/):
  - the image itself (32x24, written byte by byte so colour type, bit depth and tRNS are exact);
  - in expected.json: what PIL (Pillow 9.4) decodes it to, and the uint8 RGB crop each pipeline
    makes with two small specs (size 16 / crop 16, and size 15 / crop 18, which pads).

'clip' is the real torchvision 0.14 pipeline: Resize(size, BICUBIC), CenterCrop(crop), then
convert('RGB'), on the image exactly as PIL opened it. 'hf' mirrors transformers'
CLIPImageProcessor (transformers is not installed here): convert('RGB'), PIL bicubic resize of the
shortest side to size (long side int(size * long / short)), then image_transforms.center_crop
(floor offsets; a too-small side is zero-padded by ceil(pad / 2) before).

Usage: /usr/bin/python3 tools/reference/preprocess_extra.py   (from the project root)
"""
import base64
import hashlib
import json
import math
import os
import struct
import warnings
import zlib

import numpy as np
import PIL
import torchvision
import torchvision.transforms as T
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'preprocess')
W, H = 32, 24
SPECS = [(16, 16), (15, 18)]
rng = np.random.default_rng(20240527)


def write_png(name, arr, colour_type, depth, palette=None, trns=None):
    h, w = arr.shape[:2]

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b''
    for y in range(h):
        row = arr[y].reshape(-1)
        if depth == 16:
            packed = row.astype('>u2').tobytes()
        elif depth == 8:
            packed = row.astype(np.uint8).tobytes()
        else:
            bits = np.unpackbits(row.astype(np.uint8).reshape(-1, 1), axis=1)[:, 8 - depth:].reshape(-1)
            packed = np.packbits(bits).tobytes()
        rows += b'\0' + packed
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, colour_type, 0, 0, 0))
    if palette is not None:
        data += chunk(b'PLTE', bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        data += chunk(b'tRNS', trns)
    data += chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b'')
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)


def scene(levels):
    """A gradient with hard-edged blocks and noise, so bicubic overshoots and clipping both happen."""
    y, x = np.mgrid[0:H, 0:W]
    img = (x / (W - 1)) * 0.6 + (y / (H - 1)) * 0.2
    img[4:12, 5:14] = 1.0
    img[14:20, 18:29] = 0.0
    img[2:6, 22:30] = 0.5
    img += rng.normal(0, 0.05, img.shape)
    return np.clip(img * (levels - 1), 0, levels - 1).round()


def colour_scene(levels, bands):
    return np.stack([np.roll(scene(levels), 3 * b, axis=1) for b in range(bands)], axis=-1)


def make_sources():
    write_png('grey16.png', scene(1024).astype(np.uint16), 0, 16)  # crosses 255, where PIL clips
    write_png('grey16-full.png', scene(65536).astype(np.uint16), 0, 16)
    write_png('rgb16.png', colour_scene(65536, 3).astype(np.uint16), 2, 16)
    write_png('la16.png', colour_scene(65536, 2).astype(np.uint16), 4, 16)
    palette = rng.integers(0, 256, (16, 3))
    index = (scene(16)).astype(np.uint8)
    write_png('palette.png', index, 3, 8, palette=palette)
    write_png('palette-trns.png', index, 3, 4, palette=palette, trns=bytes(rng.integers(0, 256, 16).astype(np.uint8)))
    gif = Image.fromarray(index, 'P')
    gif.putpalette(list(rng.integers(0, 256, 48).astype(np.uint8)))
    gif.save(os.path.join(OUT, 'palette.gif'), optimize=False)
    gif.save(os.path.join(OUT, 'palette-trns.gif'), optimize=False, transparency=int(index[10, 10]))
    write_png('grey-1bit.png', (scene(2)).astype(np.uint8), 0, 1)
    write_png('grey-trns.png', scene(256).astype(np.uint8), 0, 8, trns=struct.pack('>H', 255))
    write_png('rgb-trns.png', colour_scene(256, 3).astype(np.uint8), 2, 8, trns=struct.pack('>HHH', 0, 0, 0))
    la = colour_scene(256, 2).astype(np.uint8)
    la[:, :6, 1] = 0  # fully transparent strip: black in 'clip' order, grey kept in 'hf'
    write_png('la.png', la, 4, 8)
    Image.fromarray(colour_scene(256, 4).astype(np.uint8), 'CMYK').save(os.path.join(OUT, 'cmyk.jpg'), quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° CW on display; the reference ignores it
    Image.fromarray(colour_scene(256, 3).astype(np.uint8)).save(os.path.join(OUT, 'exif-rotate.jpg'), quality=95, exif=exif.tobytes())


def decoded(im):
    """What decodeImage must return: PIL's own channels, palette expanded, 16-bit grey clipped."""
    mode = {'P': 'RGBA' if 'transparency' in im.info else 'RGB', '1': 'L', 'I': 'L', 'CMYK': 'RGB'}.get(im.mode, im.mode)
    arr = np.asarray(im.convert(mode), dtype=np.uint8)
    return described(im, arr)


def described(im, arr):
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    digest = hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()
    return {'pilMode': im.mode, 'channels': channels, 'width': im.width, 'height': im.height, 'sha256': digest}


def clip_crop(im, size, crop):
    pipeline = T.Compose([T.Resize(size, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(crop)])
    return np.asarray(pipeline(im).convert('RGB'))


def hf_crop(im, size, crop):
    im = im.convert('RGB')
    w, h = im.size
    new = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
    arr = np.asarray(im.resize(new, Image.BICUBIC))
    oh, ow = arr.shape[:2]
    top, left = (oh - crop) // 2, (ow - crop) // 2
    nh, nw = max(crop, oh), max(crop, ow)
    padded = np.zeros((nh, nw, 3), np.uint8)
    tp, lp = math.ceil((nh - oh) / 2), math.ceil((nw - ow) / 2)
    padded[tp:tp + oh, lp:lp + ow] = arr
    top, left = top + tp, left + lp
    return padded[max(0, top):min(nh, top + crop), max(0, left):min(nw, left + crop)]


def b64(arr):
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode('ascii')


def main():
    # PIL warns that P + tRNS should become RGBA; the reference wants P exactly as opened.
    warnings.simplefilter('ignore', UserWarning)
    os.makedirs(OUT, exist_ok=True)
    make_sources()
    cases = []
    for name in sorted(os.listdir(OUT)):
        if name.endswith('.json'):
            continue
        im = Image.open(os.path.join(OUT, name))
        im.load()
        outputs = []
        for size, crop in SPECS:
            for mode, fn in (('clip', clip_crop), ('hf', hf_crop)):
                rgb = fn(im, size, crop)
                assert rgb.shape == (crop, crop, 3), (name, mode, rgb.shape)
                outputs.append({'mode': mode, 'size': size, 'cropSize': crop, 'rgb': b64(rgb)})
        if name == 'la16.png':  # PIL opens 16-bit LA as RGBA (L replicated); decodeImage keeps LA
            info = described(im, np.asarray(im.convert('RGBA'))[..., [0, 3]])
        else:
            info = decoded(im)
        cases.append({'image': name, 'decoded': info, 'outputs': outputs})
    about = (f'PIL reference for preprocess.test.ts, made by tools/reference/preprocess_extra.py with Pillow {PIL.__version__}, '
             f'torchvision {torchvision.__version__}. decoded.sha256: of the uint8 HWC pixels as PIL opens '
             "the file (palette expanded, 16-bit grey clipped as convert('L') does). outputs[].rgb: uint8 HWC crop, cropSize x cropSize x 3.")
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'about': about, 'cases': cases}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
