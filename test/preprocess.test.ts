import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { decodeImage } from '../src/model/decode.js';
import { preprocessImage, resizeAndCrop, toPixelValues } from '../src/model/preprocess.js';
import type { DecodedImage, PreprocessMode, PreprocessSpec } from '../src/model/types.js';

// Reference data travels with the repository (test/reference/README.md says where each file comes from).
const GOLDEN_DIR = fileURLToPath(new URL('./reference/goldens/preprocess/', import.meta.url));
const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/preprocess/', import.meta.url));
const MODES: readonly PreprocessMode[] = ['clip', 'hf'];

interface GoldenFile {
  readonly mean: [number, number, number];
  readonly std: [number, number, number];
  readonly cases: readonly { readonly image: string; readonly clip: string; readonly hf: string }[];
}
const golden = JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'preprocess-visible.json'), 'utf8')) as GoldenFile;

function spec(mode: PreprocessMode, size = 224, cropSize = size): PreprocessSpec {
  return { mode, size, cropSize, mean: golden.mean, std: golden.std };
}

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function absDiff(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

function byteDiff(got: Uint8Array, want: Uint8Array): { differing: number; max: number } {
  let differing = 0;
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (d > 0) differing++;
    max = Math.max(max, d);
  }
  return { differing, max };
}

describe('golden CLIP preprocessing (PIL 9.4 + torchvision 0.14 / transformers)', () => {
  const rows: string[] = [];
  afterAll(() => {
    console.log(['case                          mode  mean|diff|   max|diff|', ...rows].join('\n'));
  });

  it.each(golden.cases.map((c) => [c.image, c] as const))('%s', async (_, c) => {
    const image = await decodeImage(path.join(GOLDEN_DIR, c.image));
    for (const mode of MODES) {
      const got = preprocessImage(image, spec(mode));
      const want = readF32(path.join(GOLDEN_DIR, c[mode]));
      expect(got.length).toBe(3 * 224 * 224);
      const { mean, max } = absDiff(got, want);
      rows.push(`${c.image.padEnd(30)}${mode.padEnd(6)}${mean.toExponential(2).padStart(11)}${max.toExponential(2).padStart(12)}`);
      // Bit-identical, as the README claims: sharp's JPEG decode matches PIL's, and the resize is a
      // fixed-point port of PIL's, so no tolerance is owed to any image, JPEG or PNG.
      const differing = got.reduce((n, v, i) => (Object.is(v, want[i]) ? n : n + 1), 0);
      expect({ length: got.length, differing, mean, max }).toEqual({ length: want.length, differing: 0, mean: 0, max: 0 });
    }
  });
});

interface FixtureCase {
  readonly image: string;
  readonly decoded: {
    readonly pilMode: string;
    readonly channels: number;
    readonly width: number;
    readonly height: number;
    readonly sha256: string;
  };
  readonly outputs: readonly { readonly mode: PreprocessMode; readonly size: number; readonly cropSize: number; readonly rgb: string }[];
}

describe('PIL modes: palette, 1-bit, 16-bit, tRNS, LA, CMYK, EXIF (tools/reference/preprocess_extra.py)', () => {
  const fixtures = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'expected.json'), 'utf8')) as { cases: FixtureCase[] };

  it.each(fixtures.cases.map((c) => [`${c.image} (PIL mode ${c.decoded.pilMode})`, c] as const))('%s', async (_, c) => {
    const image = await decodeImage(path.join(FIXTURE_DIR, c.image));
    const digest = createHash('sha256').update(image.data).digest('hex');
    expect({ channels: image.channels, width: image.width, height: image.height, sha256: digest }).toEqual({
      channels: c.decoded.channels,
      width: c.decoded.width,
      height: c.decoded.height,
      sha256: c.decoded.sha256,
    });
    for (const out of c.outputs) {
      const crop = resizeAndCrop(image, spec(out.mode, out.size, out.cropSize));
      expect({ width: crop.width, height: crop.height, channels: crop.channels }).toEqual({
        width: out.cropSize,
        height: out.cropSize,
        channels: 3,
      });
      const where = `${out.mode} size ${out.size} crop ${out.cropSize}`;
      expect(byteDiff(crop.data, Buffer.from(out.rgb, 'base64')), where).toEqual({ differing: 0, max: 0 });
    }
  });
});

describe('images made with sharp', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clipbench-preprocess-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const W = 40;
  const H = 30;
  const pattern = (channels: number, salt = 0): Uint8Array =>
    Uint8Array.from({ length: W * H * channels }, (_, i) => (i * 37 + ((i / channels / W) | 0) * 11 + salt) % 256);

  async function writeRaw(
    name: string,
    data: Uint8Array | Uint16Array,
    channels: 1 | 2 | 3 | 4,
    build: (s: Sharp) => Sharp,
  ): Promise<string> {
    const file = path.join(dir, name);
    await build(sharp(data, { raw: { width: W, height: H, channels } })).toFile(file);
    return file;
  }

  function greyToRgb(image: DecodedImage): DecodedImage {
    const data = new Uint8Array(image.width * image.height * 3).map((_, i) => image.data[(i / 3) | 0]!);
    return { ...image, channels: 3, data };
  }

  it('grey PNG stays one channel and preprocesses as its RGB replica', async () => {
    const grey = pattern(1);
    const image = await decodeImage(await writeRaw('grey.png', grey, 1, (s) => s.toColourspace('b-w').png()));
    expect(image.channels).toBe(1);
    expect(Buffer.from(image.data).equals(Buffer.from(grey))).toBe(true);
    for (const mode of MODES) {
      expect(preprocessImage(image, spec(mode, 24, 20))).toEqual(preprocessImage(greyToRgb(image), spec(mode, 24, 20)));
    }
  });

  it('grey + alpha PNG keeps two channels', async () => {
    const la = pattern(2);
    const image = await decodeImage(await writeRaw('la.png', la, 2, (s) => s.toColourspace('b-w').png()));
    expect(image.channels).toBe(2);
    expect(Buffer.from(image.data).equals(Buffer.from(la))).toBe(true);
  });

  it('RGBA: clip order resizes premultiplied (transparent → black), hf drops alpha first', async () => {
    const rgba = pattern(4);
    for (let p = 0; p < W * H; p++) rgba[p * 4 + 3] = p % W < W / 2 ? 0 : 255;
    const image = await decodeImage(await writeRaw('rgba.png', rgba, 4, (s) => s.png()));
    expect(image.channels).toBe(4);
    // 40×30 → 26×20, crop columns 3..22: column 0 of the crop comes from the transparent half.
    const clip = resizeAndCrop(image, spec('clip', 20));
    const hf = resizeAndCrop(image, spec('hf', 20));
    const leftPixel = (crop: DecodedImage): number[] => [...crop.data.subarray(3 * 20 * 10, 3 * 20 * 10 + 3)];
    expect(leftPixel(clip)).toEqual([0, 0, 0]);
    expect(leftPixel(hf)).not.toEqual([0, 0, 0]);
  });

  it('palette PNG expands to RGB/RGBA and is resized with NEAREST in clip order, as PIL does for P', async () => {
    const file = await writeRaw('palette.png', pattern(3), 3, (s) => s.png({ palette: true, colours: 8 }));
    const image = await decodeImage(file);
    expect(image.channels).toBe(3);
    const colours = new Set<number>();
    for (let i = 0; i < image.data.length; i += 3) colours.add((image.data[i]! << 16) | (image.data[i + 1]! << 8) | image.data[i + 2]!);
    const clip = resizeAndCrop(image, spec('clip', 17, 16));
    for (let i = 0; i < clip.data.length; i += 3) {
      expect(colours.has((clip.data[i]! << 16) | (clip.data[i + 1]! << 8) | clip.data[i + 2]!)).toBe(true);
    }
    const withAlpha = pattern(4);
    for (let p = 0; p < W * H; p++) withAlpha[p * 4 + 3] = p % 3 === 0 ? 0 : 255;
    const transparent = await decodeImage(await writeRaw('palette-alpha.png', withAlpha, 4, (s) => s.png({ palette: true, colours: 8 })));
    expect(transparent.channels).toBe(4);
  });

  it('16-bit grey clips to 8 bits (PIL mode I); 16-bit RGB keeps the high byte', async () => {
    const grey16 = Uint16Array.from({ length: W * H }, (_, i) => (i * 7) % 600);
    const grey = await decodeImage(await writeRaw('grey16.png', grey16, 1, (s) => s.toColourspace('grey16').png()));
    expect(grey.channels).toBe(1);
    expect([...grey.data]).toEqual([...grey16].map((v) => Math.min(v, 255)));
    expect(preprocessImage(grey, spec('clip', 24)).length).toBe(3 * 24 * 24);

    const rgb16 = Uint16Array.from({ length: W * H * 3 }, (_, i) => (i * 2999) % 65536);
    const rgb = await decodeImage(await writeRaw('rgb16.png', rgb16, 3, (s) => s.toColourspace('rgb16').png()));
    expect(rgb.channels).toBe(3);
    expect([...rgb.data]).toEqual([...rgb16].map((v) => v >> 8));
  });

  it('ignores the EXIF orientation, like the reference', async () => {
    const file = await writeRaw('rotated.jpg', pattern(3), 3, (s) => s.jpeg().withMetadata({ orientation: 6 }));
    const image = await decodeImage(file);
    expect([image.width, image.height]).toEqual([W, H]);
  });
});

describe('corrupt or missing input', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clipbench-corrupt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function expectDecodeError(name: string, bytes: Uint8Array | undefined, message: RegExp): Promise<void> {
    const file = path.join(dir, name);
    if (bytes) await writeFile(file, bytes);
    const failure = decodeImage(file);
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(`cannot decode image ${file}: `);
    await expect(failure).rejects.toThrow(message);
  }

  it('zero-byte file', async () => {
    await expectDecodeError('empty.png', new Uint8Array(0), /the file is empty \(0 bytes\)/);
  });

  it('truncated JPEG', async () => {
    const jpeg = readFileSync(path.join(GOLDEN_DIR, 'images/grace_hopper.jpg'));
    await expectDecodeError('truncated.jpg', jpeg.subarray(0, jpeg.length >> 1), /truncated or corrupt/);
  });

  it('truncated PNG', async () => {
    const png = readFileSync(path.join(GOLDEN_DIR, 'images/odd-crop-641x430.png'));
    await expectDecodeError('truncated.png', png.subarray(0, png.length >> 1), /truncated or corrupt/);
  });

  it('text file named .png', async () => {
    await expectDecodeError(
      'notes.png',
      new TextEncoder().encode('just some text\n'),
      /not a supported image format \(is the file corrupt or not an image\?\)/,
    );
  });

  it('missing file', async () => {
    await expectDecodeError('missing.jpg', undefined, /file not found/);
  });

  it('bytes are labelled with the name given', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3]), 'shard-7/0001.jpg')).rejects.toThrow(
      /^cannot decode image shard-7\/0001\.jpg: not a supported/,
    );
  });
});

describe('toPixelValues and spec checks', () => {
  it('is CHW float32 of (v/255 - mean)/std, rounded as torch does', () => {
    const rgb: DecodedImage = { width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 128, 10, 20, 30]) };
    const values = toPixelValues(rgb, spec('clip'));
    const f = Math.fround;
    const expected = (v: number, c: 0 | 1 | 2): number => f(f(f(v / 255) - f(golden.mean[c])) / f(golden.std[c]));
    expect([...values]).toEqual([expected(255, 0), expected(10, 0), expected(0, 1), expected(20, 1), expected(128, 2), expected(30, 2)]);
  });

  it('rejects nonsense specs and images', () => {
    const image: DecodedImage = { width: 4, height: 4, channels: 3, data: new Uint8Array(48) };
    expect(() => resizeAndCrop(image, spec('clip', 0))).toThrow(/positive integers/);
    expect(() => resizeAndCrop({ ...image, data: new Uint8Array(47) }, spec('clip'))).toThrow(/does not match its size/);
  });

  it('pads like torchvision (floor) in clip order and like transformers (ceil) in hf order', () => {
    const white: DecodedImage = { width: 5, height: 5, channels: 1, data: new Uint8Array(25).fill(255) };
    const firstWhiteRow = (mode: PreprocessMode): number => {
      const crop = resizeAndCrop(white, spec(mode, 5, 8));
      return Array.from({ length: 8 }, (_, y) => crop.data[y * 8 * 3 + 3 * 4]).indexOf(255);
    };
    expect(firstWhiteRow('clip')).toBe(1);
    expect(firstWhiteRow('hf')).toBe(2);
  });
});
