import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFolderDataset } from '../src/datasets/folder.js';
import { InputError } from '../src/errors.js';
import { decodeImage, type SourceImage } from '../src/model/decode.js';
import { preprocessImage } from '../src/model/preprocess.js';
import type { PreprocessMode, PreprocessSpec } from '../src/model/types.js';

// Written by tools/reference/make_bmp_goldens.py: BMP files and what PIL (Pillow 9.4) makes of them.
const BMP_DIR = fileURLToPath(new URL('./reference/bmp/', import.meta.url));

interface PilOpened {
  readonly mode: 'RGB' | 'RGBA' | 'P' | 'L' | '1';
  readonly width: number;
  readonly height: number;
  /** base64 of Image.open(f).convert('RGB').tobytes(). */
  readonly rgb: string;
  readonly rgba?: string;
  readonly paletteEntry0?: [number, number, number];
}

interface BmpCase {
  readonly file: string;
  readonly what: string;
  readonly pil: PilOpened | { readonly error: string };
}

const expected = JSON.parse(readFileSync(path.join(BMP_DIR, 'expected.json'), 'utf8')) as { pillow: string; cases: BmpCase[] };
const opened = expected.cases.flatMap((c) => ('error' in c.pil ? [] : [[c.file, c.pil, c.what] as const]));
const refusedByPil = expected.cases.flatMap((c) => ('error' in c.pil ? [[c.file, c.pil.error, c.what] as const] : []));

const CHANNELS: Readonly<Record<PilOpened['mode'], number>> = { RGB: 3, RGBA: 4, P: 3, L: 1, '1': 1 };

/** PIL's convert('RGB') of what the decoder holds: grey replicated, alpha dropped. */
function asRgb(image: SourceImage): Buffer {
  const pixels = image.width * image.height;
  const out = Buffer.alloc(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = image.data[p * image.channels + (image.channels < 3 ? 0 : c)]!;
  }
  return out;
}

describe(`BMP decodes as PIL ${expected.pillow} opens it`, () => {
  it('covers 24-, 32-, 16-, 8-, 4- and 1-bit, RLE, bitfields, top-down and PIL-written files', () => {
    expect(opened.length).toBeGreaterThanOrEqual(20);
    expect(new Set(opened.map(([, pil]) => pil.mode))).toEqual(new Set(['RGB', 'RGBA', 'P', 'L', '1']));
  });

  it.each(opened)('%s (PIL mode %s)', async (file, pil) => {
    const image = await decodeImage(path.join(BMP_DIR, file));
    expect({ width: image.width, height: image.height, channels: image.channels }).toEqual({
      width: pil.width,
      height: pil.height,
      channels: CHANNELS[pil.mode],
    });
    expect(asRgb(image).equals(Buffer.from(pil.rgb, 'base64'))).toBe(true);
    if (pil.rgba !== undefined) expect(Buffer.from(image.data).equals(Buffer.from(pil.rgba, 'base64'))).toBe(true);
    if (pil.mode === 'P') expect(image.pilSource).toEqual({ mode: 'P', padColour: pil.paletteEntry0 });
    else if (pil.mode === '1') expect(image.pilSource).toEqual({ mode: '1' });
    else expect(image.pilSource).toBeUndefined();
    const fromBytes = await decodeImage(readFileSync(path.join(BMP_DIR, file)), `shard/${file}`);
    expect(Buffer.from(fromBytes.data).equals(Buffer.from(image.data))).toBe(true);
  });
});

describe('BMP files PIL refuses are refused', () => {
  const reasons: Readonly<Record<string, RegExp>> = {
    'refused-2bit.bmp': /a BMP with 2 bits per pixel .*which the reference pipeline \(PIL\) cannot open$/,
    'refused-jpeg.bmp': /a BMP with compression 4 \(JPEG;/,
    'refused-bitfields.bmp': /a BMP bitfields layout \(24 bits, masks 0xFF, 0xFF00, 0xFF0000\) PIL does not know/,
    'refused-palette-300.bmp': /a BMP palette of 300 colours/,
    'refused-truncated.bmp': /the BMP pixel data is truncated \(it needs 75 bytes, the file has 71\)/,
    'refused-grey4-wide.bmp': /a 4-bit BMP whose grey palette makes PIL read 8-bit rows/,
    'refused-rle-short.bmp': /the BMP RLE data ends before the image is complete/,
  };

  it.each(refusedByPil)('%s (PIL: %s)', async (file) => {
    const target = path.join(BMP_DIR, file);
    const failure = decodeImage(target);
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(`cannot decode image ${target}: `);
    await expect(failure).rejects.toThrow(reasons[file] ?? /no reason listed for this file/);
  });
});

describe('a BMP preprocesses exactly as the same image saved as PNG by PIL', () => {
  const MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
  const STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
  // Upscaling (bicubic, or NEAREST for P), plain crop, and a crop larger than the image (padding).
  const SIZES: readonly (readonly [number, number])[] = [
    [9, 9],
    [12, 10],
    [4, 6],
  ];
  const MODES: readonly PreprocessMode[] = ['clip', 'hf'];

  it.each([['rgb24-odd'], ['p8'], ['l8']])('%s', async (name) => {
    const bmp = await decodeImage(path.join(BMP_DIR, `${name}.bmp`));
    const png = await decodeImage(path.join(BMP_DIR, `${name}.png`));
    expect(bmp.pilSource).toEqual(png.pilSource);
    for (const mode of MODES) {
      for (const [size, cropSize] of SIZES) {
        const spec: PreprocessSpec = { mode, size, cropSize, mean: MEAN, std: STD };
        const fromBmp = preprocessImage(bmp, spec);
        const fromPng = preprocessImage(png, spec);
        expect(Buffer.from(fromBmp.buffer).equals(Buffer.from(fromPng.buffer)), `${mode} ${size}/${cropSize}`).toBe(true);
      }
    }
  });
});

describe('vector formats are refused before anything parses them', () => {
  let dir = '';
  let server: Server;
  let port = 0;
  const requests: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clipbench-vector-'));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const SVG_REASON = 'SVG is a vector format, which the reference pipeline (PIL) cannot open; convert it to PNG first';
  const svg = (body: string): string =>
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">${body}</svg>\n`;

  async function expectRefused(name: string, content: string | Uint8Array, reason: string | RegExp): Promise<void> {
    const file = path.join(dir, name);
    await writeFile(file, content);
    const failure = decodeImage(file);
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(`cannot decode image ${file}: `);
    await expect(failure).rejects.toThrow(reason);
  }

  it('sharp itself would render an SVG, so the refusal is ours', async () => {
    const meta = await sharp(Buffer.from(svg('<rect width="64" height="64" fill="red"/>'))).metadata();
    expect(meta.format).toBe('svg');
  });

  it('an SVG that references a local file and a URL: refused, nothing fetched', async () => {
    const body =
      '<image href="file:///etc/passwd" width="64" height="64"/>' +
      `<image xlink:href="http://127.0.0.1:${port}/probe.png" width="64" height="64"/>` +
      `<style>@import url("http://127.0.0.1:${port}/probe.css");</style>`;
    await expectRefused('logo.svg', svg(body), SVG_REASON);
    // A raster image referenced by a JPEG-named SVG is not fetched either.
    await expectRefused('photo.jpg', svg(body), SVG_REASON);
    expect(requests).toEqual([]);
  });

  it('SVG variants: XML prolog after a BOM and blank lines, doctype, upper case, named .png, gzip-compressed', async () => {
    const prolog =
      '\uFEFF\n\n  <?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n';
    await expectRefused('prolog.svg', prolog + svg('<circle r="9"/>'), SVG_REASON);
    await expectRefused('upper.svg', '<SVG WIDTH="8" HEIGHT="8"></SVG>', SVG_REASON);
    await expectRefused('disguised.png', svg('<circle r="9"/>'), SVG_REASON);
    await expectRefused(
      'icon.svgz',
      gzipSync(svg('<circle r="9"/>')),
      /gzip-compressed \(a \.svgz SVG or a \.gz archive\), which the reference pipeline \(PIL\) cannot open/,
    );
  });

  it('a PDF is refused with the same kind of reason', async () => {
    const pdf =
      '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
    await expectRefused('scan.pdf', pdf, 'PDF is a vector format, which the reference pipeline (PIL) cannot open; convert it to PNG first');
  });

  it('other text still reads as "not a supported image format"', async () => {
    await expectRefused('notes.png', 'just some text\n', /not a supported image format \(is the file corrupt or not an image\?\)$/);
  });
});

describe('class folders', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'clipbench-formats-'));
    for (const cls of ['cat', 'dog']) await mkdir(path.join(root, cls));
    const bmp = readFileSync(path.join(BMP_DIR, 'rgb24-odd.bmp'));
    await writeFile(path.join(root, 'cat', 'a.bmp'), bmp);
    await writeFile(path.join(root, 'cat', 'b.BMP'), bmp);
    await writeFile(path.join(root, 'cat', 'c.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    await writeFile(path.join(root, 'dog', 'd.pdf'), '%PDF-1.4\n%%EOF\n');
    await writeFile(path.join(root, 'dog', 'e.png'), readFileSync(path.join(BMP_DIR, 'rgb24-odd.png')));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('list BMPs as images and leave SVG and PDF files out, as torchvision’s ImageFolder does', async () => {
    const dataset = await loadFolderDataset(root);
    expect(dataset.items.map((item) => item.id)).toEqual(['cat/a.bmp', 'cat/b.BMP', 'dog/e.png']);
    const images = await Promise.all(dataset.items.map((item) => decodeImage((item.source as { path: string }).path)));
    expect(images.map((i) => [i.width, i.height, i.channels])).toEqual([
      [7, 5, 3],
      [7, 5, 3],
      [7, 5, 3],
    ]);
  });
});
