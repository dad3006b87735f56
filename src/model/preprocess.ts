import type { SourceImage } from './decode.js';
import { nearest, resample8, resampleInt, type Range, type Target } from './resample.js';
import type { DecodedImage, PreprocessMode, PreprocessSpec } from './types.js';

/*
 * CLIP preprocessing, bit-exact with the Python reference (Pillow 9.4 + torchvision 0.14 for
 * `clip`, transformers' CLIPImageProcessor for `hf`): the order of resize, crop and colour
 * conversion per mode, crop offsets and normalisation here; Pillow's resampling in resample.ts.
 * The resize is evaluated only for the output pixels the centre crop keeps.
 */

/** Where the crop takes its pixels along one axis: resized indices `src`, landing at `offset`. */
interface Span {
  readonly src: Range;
  readonly offset: number;
}

/**
 * Names this resize implementation in cache keys: bump it whenever a change could alter a single
 * output value, so no embedding computed with the old code is ever reused.
 */
export const PREPROCESS_ALGORITHM = 'pil-9.4-bicubic/1';

/**
 * A resized-and-cropped block before it is placed in the crop: 1 (grey) or 3 (RGB) channels.
 * `pad`: the RGB that zero padding becomes in the image's own mode (white for CMYK, palette entry
 * 0 for P), black if absent.
 */
interface Block {
  readonly data: Uint8Array;
  readonly channels: 1 | 3;
  readonly pad?: readonly [number, number, number];
}

export function preprocessImage(image: DecodedImage, spec: PreprocessSpec): Float32Array {
  return toPixelValues(resizeAndCrop(image, spec), spec);
}

/** The RGB cropSize×cropSize image the model sees, as the reference pipeline of `spec.mode` makes it. */
export function resizeAndCrop(image: DecodedImage, spec: PreprocessSpec): DecodedImage {
  checkSpec(spec);
  checkImage(image);
  if (spec.resize === 'squash') return squash(image, spec.cropSize);
  const [width, height] = resizedSize(image.width, image.height, spec.size);
  const xs = cropSpan(width, spec.cropSize, spec.mode);
  const ys = cropSpan(height, spec.cropSize, spec.mode);
  const target = { width, height, cols: xs.src, rows: ys.src };
  const block = spec.mode === 'clip' ? clipOrder(image, target) : hfOrder(image, target);
  return { width: spec.cropSize, height: spec.cropSize, channels: 3, data: place(block, xs, ys, spec.cropSize) };
}

/**
 * SigLIP's processor (transformers' SiglipImageProcessor with do_convert_rgb): convert to RGB
 * (alpha dropped), then Pillow's bicubic resize of the whole image to size×size.
 */
function squash(image: SourceImage, size: number): DecodedImage {
  const whole = { start: 0, end: size };
  const block = hfOrder(image, { width: size, height: size, cols: whole, rows: whole });
  return { width: size, height: size, channels: 3, data: place(block, { src: whole, offset: 0 }, { src: whole, offset: 0 }, size) };
}

/** CHW float32 `(v/255 - mean)/std`, rounded to float32 after each step as torch does. */
export function toPixelValues(rgb: DecodedImage, spec: PreprocessSpec): Float32Array {
  checkImage(rgb);
  if (rgb.channels !== 3 && rgb.channels !== 1) {
    throw new Error(`toPixelValues needs an RGB (or grey) image, got ${rgb.channels} channels; use resizeAndCrop first`);
  }
  const table = normalisationTable(spec);
  const plane = rgb.width * rgb.height;
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const lut = table.subarray(c * 256, c * 256 + 256);
    const from = rgb.channels === 3 ? c : 0;
    for (let p = 0; p < plane; p++) out[c * plane + p] = lut[rgb.data[p * rgb.channels + from]!]!;
  }
  return out;
}

function normalisationTable(spec: PreprocessSpec): Float32Array {
  const key = `${spec.mean.join(',')}/${spec.std.join(',')}`;
  let table = normalisationTables.get(key);
  if (!table) {
    table = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      const mean = Math.fround(spec.mean[c]!);
      const std = Math.fround(spec.std[c]!);
      for (let v = 0; v < 256; v++) table[c * 256 + v] = Math.fround(Math.fround(v / 255) - mean) / std;
    }
    normalisationTables.set(key, table);
  }
  return table;
}
const normalisationTables = new Map<string, Float32Array>();

function checkSpec(spec: PreprocessSpec): void {
  const positive = (n: number): boolean => Number.isInteger(n) && n > 0;
  if (!positive(spec.size) || !positive(spec.cropSize)) {
    throw new Error(`preprocess spec: size and cropSize must be positive integers (got ${spec.size}, ${spec.cropSize})`);
  }
  if (spec.mode !== 'clip' && spec.mode !== 'hf') throw new Error(`preprocess spec: unknown mode "${String(spec.mode)}"`);
  if (spec.std.some((s) => !(s > 0))) throw new Error(`preprocess spec: std must be positive (got ${spec.std.join(', ')})`);
}

function checkImage(image: DecodedImage): void {
  const { width, height, channels, data } = image;
  if (!(width > 0 && height > 0) || data.length !== width * height * channels) {
    throw new Error(
      `image data does not match its size: ${width}×${height}×${channels} needs ${width * height * channels} bytes, got ${data.length}`,
    );
  }
}

/** torchvision 0.14 / transformers: shortest side → size, long side int(size · long / short). */
function resizedSize(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/**
 * torchvision's CenterCrop offsets are int(round((dim - crop) / 2.0)) with Python's round-half-even
 * and it zero-pads a short side by floor(pad/2) before; transformers' center_crop uses floor
 * offsets and pads by ceil(pad/2).
 */
function cropSpan(dim: number, crop: number, mode: PreprocessMode): Span {
  if (crop > dim) {
    const pad = crop - dim;
    return { src: { start: 0, end: dim }, offset: mode === 'clip' ? Math.floor(pad / 2) : Math.ceil(pad / 2) };
  }
  const start = mode === 'clip' ? roundHalfEven((dim - crop) / 2) : Math.floor((dim - crop) / 2);
  return { src: { start, end: start + crop }, offset: 0 };
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor;
  if (frac !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

function place(block: Block, xs: Span, ys: Span, crop: number): Uint8Array {
  const out = new Uint8Array(crop * crop * 3);
  if (block.pad) for (let o = 0; o < out.length; o += 3) out.set(block.pad, o);
  const w = xs.src.end - xs.src.start;
  const h = ys.src.end - ys.src.start;
  const ch = block.channels;
  for (let y = 0; y < h; y++) {
    let o = ((y + ys.offset) * crop + xs.offset) * 3;
    const from = y * w * ch;
    if (ch === 3) {
      out.set(block.data.subarray(from, from + w * 3), o);
      continue;
    }
    for (let i = from; i < from + w; i++, o += 3) {
      const v = block.data[i]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  }
  return out;
}

/**
 * torchvision order on the image as PIL opened it: Resize, CenterCrop, then convert('RGB').
 * Pillow resizes 'P' and '1' with NEAREST, RGBA/LA premultiplied ('RGBa'/'La') and un-premultiplied
 * after, 16-bit grey ('I') in 32-bit ints, CMYK as four bands.
 */
function clipOrder(image: SourceImage, t: Target): Block {
  const source = image.pilSource;
  if (source?.mode === 'P') return { ...dropAlpha(nearest(image, t), image.channels), pad: source.padColour };
  if (source?.mode === '1') return dropAlpha(nearest(image, t), image.channels);
  if (source?.mode === 'I') return { data: clipToByte(resampleInt(source.samples, image.width, image.height, t)), channels: 1 };
  if (source?.mode === 'CMYK') {
    return { data: cmykToRgb(resample8(source.samples, image.width, image.height, 4, t)), channels: 3, pad: [255, 255, 255] };
  }
  if (image.channels === 2 || image.channels === 4) {
    const resized = resample8(premultiply(image.data, image.channels), image.width, image.height, image.channels, t);
    return unpremultiply(resized, image.channels);
  }
  return { data: resample8(image.data, image.width, image.height, image.channels, t), channels: image.channels };
}

/** transformers order: convert('RGB') first (alpha dropped, no premultiplication), then resize. */
function hfOrder(image: SourceImage, t: Target): Block {
  const colour = dropAlpha(image.data, image.channels);
  return { data: resample8(colour.data, image.width, image.height, colour.channels, t), channels: colour.channels };
}

function dropAlpha(data: Uint8Array, channels: DecodedImage['channels']): Block {
  if (channels === 1 || channels === 3) return { data, channels };
  const keep: 1 | 3 = channels === 2 ? 1 : 3;
  const out = new Uint8Array((data.length / channels) * keep);
  for (let i = 0, o = 0; i < data.length; i += channels) {
    for (let c = 0; c < keep; c++) out[o++] = data[i + c]!;
  }
  return { data: out, channels: keep };
}

function clipToByte(values: Int32Array): Uint8Array {
  const out = new Uint8ClampedArray(values.length);
  out.set(values);
  return new Uint8Array(out.buffer);
}

/** Pillow's RGBA→RGBa: colour · alpha / 255 with MULDIV255 rounding. */
function premultiply(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length);
  const a = channels - 1;
  for (let i = 0; i < data.length; i += channels) {
    const alpha = data[i + a]!;
    for (let c = 0; c < a; c++) {
      const t = data[i + c]! * alpha + 128;
      out[i + c] = ((t >> 8) + t) >> 8;
    }
    out[i + a] = alpha;
  }
  return out;
}

/** Pillow's RGBa→RGBA (alpha 0 and 255 leave colour as is, else ⌊255·v/α⌋ clipped), alpha dropped. */
function unpremultiply(data: Uint8Array, channels: number): Block {
  const keep = channels - 1;
  const out = new Uint8Array((data.length / channels) * keep);
  for (let i = 0, o = 0; i < data.length; i += channels) {
    const alpha = data[i + keep]!;
    for (let c = 0; c < keep; c++) {
      const v = data[i + c]!;
      out[o++] = alpha === 0 || alpha === 255 ? v : Math.min(255, Math.trunc((255 * v) / alpha));
    }
  }
  return { data: out, channels: keep === 1 ? 1 : 3 };
}

// ---------------------------------------------------------------------------------------------
// Pillow's bicubic resampling

/** Pillow's cmyk2rgb (no ICC): nk = 255 - K, channel = nk - C·nk/255 with MULDIV255 rounding. */
export function cmykToRgb(cmyk: Uint8Array): Uint8Array {
  const out = new Uint8Array((cmyk.length / 4) * 3);
  for (let p = 0, o = 0; p < cmyk.length; p += 4) {
    const nk = 255 - cmyk[p + 3]!;
    for (let c = 0; c < 3; c++) {
      const t = cmyk[p + c]! * nk + 128;
      out[o++] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return out;
}
