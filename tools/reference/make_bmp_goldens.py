#!/usr/bin/python3
"""Makes the BMP fixtures of test/decode-formats.test.ts (run once; the output is committed).

Writes into test/reference/bmp/:
  - BMP files: some written by PIL itself (what PIL-made datasets contain), some written here byte by
    byte for the variants PIL never writes (top-down rows, 4-bit, 16-bit, bitfields, RLE, OS/2
    headers, a short palette, a 32-bit BI_RGB file whose 4th byte is not zero) and a few that PIL
    refuses to open;
  - the same images saved as PNG by PIL, for the decode + preprocess comparison;
  - expected.json: for each BMP, what Image.open(f) gives: its mode and size, and
    convert('RGB').tobytes() (plus convert('RGBA') for mode RGBA, palette entry 0 for mode P), base64;
    or, for a file PIL cannot open, the error PIL raises.

Every expectation comes from PIL opening the file as written, never from how it was written.

Usage: /usr/bin/python3 tools/reference/make_bmp_goldens.py   (from the project root; Debian's
python3-pil, Pillow 9.4)
"""
import base64
import io
import json
import os
import struct

import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'reference', 'bmp')

BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_JPEG = 0, 1, 2, 3, 4


def pattern(width, height, channels, salt=0):
    """Deterministic bytes that vary along both axes, so a row or channel swap shows."""
    return bytes((x * 37 + y * 91 + c * 53 + salt) % 256
                 for y in range(height) for x in range(width) for c in range(channels))


def pil_image(mode, width, height, salt=0):
    channels = {'RGB': 3, 'RGBA': 4, 'L': 1}[mode]
    return Image.frombytes(mode, (width, height), pattern(width, height, channels, salt))


def pil_palette_image(width, height, colours):
    image = Image.frombytes('L', (width, height), bytes((x * 3 + y * 5) % colours for y in range(height) for x in range(width)))
    image = image.convert('P')
    image.putpalette([v for i in range(colours) for v in ((i * 71) % 256, (i * 29 + 40) % 256, (255 - i * 13) % 256)])
    return image


def bmp(width, height, bits, rows, palette=b'', compression=BI_RGB, header_size=40, masks=b'', colours=None, offset=None):
    """A BMP with a Windows info header; `rows` are stored as given (already padded, file order)."""
    data = b''.join(rows)
    if colours is None:
        colours = len(palette) // 4
    info = struct.pack('<IiiHHIIiiII', header_size, width, height, 1, bits, compression, len(data), 2835, 2835, colours, 0)
    info += masks + b'\0' * (header_size - 40 - len(masks)) if header_size > 40 else b''
    extra = masks if header_size == 40 else b''
    start = 14 + len(info) + len(extra) + len(palette)
    offset = start if offset is None else offset
    return b'BM' + struct.pack('<IHHI', start + len(data), 0, 0, offset) + info + extra + palette + data


def bgrx(colours):
    return b''.join(bytes((b, g, r, 0)) for r, g, b in colours)


def padded(row, stride):
    return row + b'\0' * (stride - len(row))


def pack_bits(indices, bits):
    """Palette indices packed MSB first, as BMP stores 1- and 4-bit pixels."""
    out = bytearray()
    per_byte = 8 // bits
    for i in range(0, len(indices), per_byte):
        byte = 0
        for j, v in enumerate(indices[i:i + per_byte]):
            byte |= v << (8 - bits * (j + 1))
        out.append(byte)
    return bytes(out)


def hand_written():
    """name -> (bytes, what it is); the variants PIL never writes."""
    files = {}
    w, h = 5, 3
    rows = [pattern(w, 1, 3, salt=y * 17) for y in range(h)]
    files['rgb24-topdown.bmp'] = (
        bmp(w, -h, 24, [padded(r, 16) for r in rows]),
        '24-bit BI_RGB, 5x3, negative height: rows stored top-down')
    files['bgrx32-nonzero-x.bmp'] = (
        bmp(w, h, 32, [bytes(v for x in range(w) for v in (*r[x * 3:x * 3 + 3], (x * 50 + 7) % 256)) for r in rows]),
        '32-bit BI_RGB, 5x3, the 4th byte of each pixel is not zero (PIL ignores it: BGRX)')
    pal16 = [((i * 71) % 256, (i * 29 + 40) % 256, (255 - i * 13) % 256) for i in range(16)]
    idx = [(x * 3 + y * 5) % 16 for y in range(h) for x in range(7)]
    files['p4.bmp'] = (
        bmp(7, h, 4, [padded(pack_bits(idx[y * 7:(y + 1) * 7], 4), 4) for y in reversed(range(h))], palette=bgrx(pal16)),
        '4-bit palette (16 colours), 7x3: odd width, half-filled last byte of a row')
    idx1 = [(x + y) % 3 == 0 for y in range(h) for x in range(11)]
    files['p1-colour.bmp'] = (
        bmp(11, h, 1, [padded(pack_bits([int(v) for v in idx1[y * 11:(y + 1) * 11]], 1), 4) for y in reversed(range(h))],
            palette=bgrx([(200, 30, 30), (20, 40, 220)])),
        '1-bit palette of two colours (not black/white, so mode P), 11x3')
    idx8 = [(x * 7 + y * 11) % 9 for y in range(h) for x in range(w)]
    files['p8-short-palette.bmp'] = (
        bmp(w, h, 8, [padded(bytes(idx8[y * w:(y + 1) * w]), 8) for y in reversed(range(h))],
            palette=bgrx([(250, 0, 0), (0, 250, 0), (0, 0, 250), (90, 90, 10)])),
        '8-bit palette declaring 4 colours, indices 0..8: PIL shows index i >= 4 as grey (i, i, i)')
    grey = [(i, i, i) for i in range(32)]
    files['l8-topdown.bmp'] = (
        bmp(w, -h, 8, [padded(bytes((x * 40 + y * 9) % 256 for x in range(w)), 8) for y in range(h)], palette=bgrx(grey)),
        '8-bit, top-down, palette of 32 greys (0..31): PIL opens it as L and keeps values past 31 as they are')
    files['p8-offset-at-header-end.bmp'] = (
        bmp(w, h, 8, [padded(bytes(idx8[y * w:(y + 1) * w]), 8) for y in reversed(range(h))],
            palette=bgrx([(250, 0, 0), (0, 250, 0), (0, 0, 250), (90, 90, 10)]), offset=54),
        'like p8-short-palette.bmp, but its pixel offset points at the palette: PIL skips 4 bytes per colour')
    px565 = [((x * 7 + y) % 32, (x * 13 + y * 5) % 64, (x * 3 + y * 11) % 32) for y in range(h) for x in range(w)]
    files['rgb565-bitfields.bmp'] = (
        bmp(w, h, 16, [padded(b''.join(struct.pack('<H', (r << 11) | (g << 5) | b) for r, g, b in px565[y * w:(y + 1) * w]), 12)
                       for y in reversed(range(h))],
            compression=BI_BITFIELDS, masks=struct.pack('<III', 0xF800, 0x07E0, 0x001F)),
        '16-bit BI_BITFIELDS 5-6-5, 5x3')
    files['rgb555.bmp'] = (
        bmp(w, h, 16, [padded(b''.join(struct.pack('<H', 0x8000 * (x & 1) | ((r & 31) << 10) | ((g & 31) << 5) | b)
                                       for x, (r, g, b) in enumerate(px565[y * w:(y + 1) * w])), 12)
                       for y in reversed(range(h))]),
        '16-bit BI_RGB (5-5-5, top bit set on odd pixels, which PIL ignores), 5x3')
    rgba = pattern(w, h, 4, salt=3)
    files['bgra32-v5.bmp'] = (
        bmp(w, h, 32, [rgba[y * w * 4:(y + 1) * w * 4] for y in reversed(range(h))], compression=BI_BITFIELDS, header_size=124,
            masks=struct.pack('<IIII', 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000)),
        '32-bit BI_BITFIELDS with an alpha mask, BITMAPV5HEADER: PIL opens it as RGBA')
    files['xbgr32-bitfields.bmp'] = (
        bmp(w, h, 32, [rgba[y * w * 4:(y + 1) * w * 4] for y in reversed(range(h))], compression=BI_BITFIELDS,
            masks=struct.pack('<III', 0xFF000000, 0x00FF0000, 0x0000FF00)),
        '32-bit BI_BITFIELDS XBGR, 40-byte header (the masks follow it): RGB')
    files['bgrx32-v4.bmp'] = (
        bmp(w, h, 32, [rgba[y * w * 4:(y + 1) * w * 4] for y in reversed(range(h))], compression=BI_BITFIELDS, header_size=108,
            masks=struct.pack('<IIII', 0x00FF0000, 0x0000FF00, 0x000000FF, 0)),
        '32-bit BI_BITFIELDS without alpha mask, BITMAPV4HEADER: RGB')
    pal = bgrx(pal16[:6])
    rle8 = bytes([3, 1, 0, 3, 2, 3, 4, 0, 0, 0,  # row 0: run, absolute run of 3 (+ pad byte), end of line
                  5, 5, 0, 0,  # row 1
                  1, 0, 0, 4, 1, 2, 3, 4, 0, 1])  # row 2: run, absolute run of 4, end of bitmap
    files['rle8.bmp'] = (bmp(w, h, 8, [rle8], palette=pal, compression=BI_RLE8), 'RLE8, 5x3: runs, absolute runs, end of line/bitmap')
    rle4 = bytes([5, 0x12, 0, 0,
                  0, 4, 0x34, 0x50, 1, 0x00, 0, 0,
                  3, 0x21, 2, 0x33, 0, 1])
    files['rle4.bmp'] = (bmp(w, h, 4, [rle4], palette=bgrx(pal16), compression=BI_RLE4), 'RLE4, 5x3')
    os2 = struct.pack('<IHHHH', 12, 3, 2, 1, 8)
    os2_palette = b''.join(bytes((b, g, r)) for r, g, b in pal16[:3])
    os2_data = bytes([0, 1, 2, 0, 2, 1, 0, 0])
    offset = 14 + 12 + len(os2_palette)
    files['os2-p8.bmp'] = (b'BM' + struct.pack('<IHHI', offset + len(os2_data), 0, 0, offset) + os2 + os2_palette + os2_data,
                           'OS/2 1.x header (12 bytes, 3-byte palette entries), 8-bit, 3x2, 3 colours written: PIL reads 256 entries\' worth, into the pixels')
    return files


def refused():
    """Files PIL cannot open: the decoder must refuse them too."""
    files = {}
    files['refused-2bit.bmp'] = (bmp(4, 1, 2, [bytes([0x1B, 0, 0, 0])], palette=bgrx([(9, 0, 0)] * 4)), '2 bits per pixel')
    files['refused-jpeg.bmp'] = (bmp(1, 1, 24, [bytes([1, 2, 3, 0])], compression=BI_JPEG), 'BI_JPEG compression')
    files['refused-bitfields.bmp'] = (
        bmp(1, 1, 24, [bytes([1, 2, 3, 0])], compression=BI_BITFIELDS, masks=struct.pack('<III', 0xFF, 0xFF00, 0xFF0000)),
        '24-bit bitfields in an order PIL does not know')
    files['refused-palette-300.bmp'] = (
        bmp(2, 1, 8, [bytes([0, 1, 0, 0])], palette=bgrx([(i % 256, 1, 2) for i in range(300)])), 'palette of 300 colours')
    files['refused-truncated.bmp'] = (bmp(3, 2, 24, [bytes(12), bytes(5)]), '24-bit, the last row cut short')
    files['refused-grey4-wide.bmp'] = (
        bmp(8, 1, 4, [bytes([0x01, 0x23, 0x45, 0x67])], palette=bgrx([(i, i, i) for i in range(16)])),
        '4-bit greyscale palette, 8 wide: PIL reads it as 8-bit L and runs out of row')
    files['refused-rle-short.bmp'] = (
        bmp(3, 2, 8, [bytes([3, 1, 0, 1])], palette=bgrx([(1, 2, 3), (4, 5, 6)]), compression=BI_RLE8),
        'RLE8 whose end of bitmap comes before the last row')
    return files


def describe(data):
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        entry = {'mode': image.mode, 'width': image.width, 'height': image.height,
                 'rgb': base64.b64encode(image.convert('RGB').tobytes()).decode()}
        if image.mode == 'RGBA':
            entry['rgba'] = base64.b64encode(image.tobytes()).decode()
        if image.mode == 'P':
            entry['paletteEntry0'] = list(image.getpalette()[:3])
        return entry
    except Exception as err:  # what PIL raises is the expectation
        return {'error': f'{type(err).__name__}: {err}'}


def main():
    os.makedirs(OUT, exist_ok=True)
    pil_written = {
        'rgb24-odd.bmp': (pil_image('RGB', 7, 5), 'RGB saved by PIL: 24-bit, 7x5 (21-byte rows padded to 24)'),
        'rgba32.bmp': (pil_image('RGBA', 5, 3, salt=9), 'RGBA saved by PIL: 32-bit BI_RGB, which PIL reopens as RGB'),
        'p8.bmp': (pil_palette_image(7, 5, 16), 'P (16 colours) saved by PIL: 8-bit palette, 7x5'),
        'l8.bmp': (pil_image('L', 7, 5, salt=4), 'L saved by PIL: 8-bit greyscale palette, 7x5'),
        'bw1.bmp': (pil_image('L', 13, 3, salt=2).point(lambda v: 255 * (v > 127)).convert('1'), 'mode 1 saved by PIL: 1-bit, 13x3'),
    }
    files = {}
    for name, (image, what) in pil_written.items():
        buffer = io.BytesIO()
        image.save(buffer, 'BMP')
        files[name] = (buffer.getvalue(), what)
        if name in ('rgb24-odd.bmp', 'p8.bmp', 'l8.bmp'):
            image.save(os.path.join(OUT, name.replace('.bmp', '.png')))
    files.update(hand_written())
    files.update(refused())
    expected = {'pillow': PIL.__version__, 'cases': []}
    for name, (data, what) in files.items():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
        expected['cases'].append({'file': name, 'what': what, 'pil': describe(data)})
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    for case in expected['cases']:
        print(case['file'].ljust(26), case['pil'].get('mode') or case['pil']['error'])


if __name__ == '__main__':
    main()
