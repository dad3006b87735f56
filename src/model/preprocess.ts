import type { SourceImage } from './decode.js';
import type { DecodedImage, PreprocessMode, PreprocessSpec } from './types.js';

/*
 * CLIP preprocessing, bit-exact with the Python reference (Pillow 9.4 + torchvision 0.14 for
 * `clip`, transformers' CLIPImageProcessor for `hf`). The resize reproduces Pillow's
 * ImagingResample (Resample.c) for BICUBIC: centre-aligned taps, support scaled by the downscale
 * factor, a = -0.5, horizontal pass then vertical pass, and for 8-bit images fixed-point weights
 * with 22 fractional bits and clipping to 0..255 after each pass. Both passes are evaluated only
 * for the output pixels the centre crop keeps, which gives the same values (every output pixel is
 * computed independently) for a fraction of the work.
 */

/** A half-open index range. */
interface Range {
  readonly start: number;
  readonly end: number;
}

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
  const [width, height] = resizedSize(image.width, image.height, spec.size);
  const xs = cropSpan(width, spec.cropSize, spec.mode);
  const ys = cropSpan(height, spec.cropSize, spec.mode);
  const target = { width, height, cols: xs.src, rows: ys.src };
  const block = spec.mode === 'clip' ? clipOrder(image, target) : hfOrder(image, target);
  return { width: spec.cropSize, height: spec.cropSize, channels: 3, data: place(block, xs, ys, spec.cropSize) };
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
    throw new Error(`image data does not match its size: ${width}×${height}×${channels} needs ${width * height * channels} bytes, got ${data.length}`);
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

/** The resized size and the part of it the crop keeps. */
interface Target {
  readonly width: number;
  readonly height: number;
  readonly cols: Range;
  readonly rows: Range;
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

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;
const BICUBIC_SUPPORT = 2;

/**
 * Pillow's taps for the output indices of one window along one axis (entry j is output index
 * window.start + j): first input index and tap count, then ksize weights each, as doubles (the
 * 32-bit path) and as fixed point (the 8-bit path). Only the window is computed, so an extreme
 * aspect ratio (a 1×10000 strip resized to 224×2240000) costs no more than the crop needs.
 */
interface Coefficients {
  readonly ksize: number;
  readonly bounds: Int32Array;
  readonly weights: Float64Array;
  readonly fixed: Int32Array;
}

const coefficientCache = new Map<string, Coefficients>();
const COEFFICIENT_CACHE_LIMIT = 512;

/** Datasets repeat a handful of image sizes, so the tables are built once per size and window. */
function coefficients(inSize: number, outSize: number, window: Range): Coefficients {
  const key = `${inSize}>${outSize}:${window.start}-${window.end}`;
  let found = coefficientCache.get(key);
  if (!found) {
    if (coefficientCache.size >= COEFFICIENT_CACHE_LIMIT) coefficientCache.clear();
    found = computeCoefficients(inSize, outSize, window);
    coefficientCache.set(key, found);
  }
  return found;
}

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc: the same double operations in the same order. */
function computeCoefficients(inSize: number, outSize: number, window: Range): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterScale;
  const n = window.end - window.start;
  const co = { ksize, bounds: new Int32Array(n * 2), weights: new Float64Array(n * ksize), fixed: new Int32Array(n * ksize) };
  for (let j = 0; j < n; j++) {
    const center = (window.start + j + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    co.bounds[2 * j] = xmin;
    co.bounds[2 * j + 1] = count;
    fillTaps(co, j * ksize, count, (x) => bicubic((x + xmin - center + 0.5) * ss));
  }
  return co;
}

function fillTaps(co: Coefficients, k0: number, count: number, tap: (x: number) => number): void {
  let total = 0;
  for (let x = 0; x < count; x++) {
    const w = tap(x);
    co.weights[k0 + x] = w;
    total += w;
  }
  for (let x = 0; x < count; x++) {
    const w = total !== 0 ? co.weights[k0 + x]! / total : co.weights[k0 + x]!;
    co.weights[k0 + x] = w;
    co.fixed[k0 + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
  }
}

/** Input indices read by all taps of the window (first index and end only grow along it). */
function sourceRange(co: Coefficients): Range {
  const last = co.bounds.length / 2 - 1;
  return { start: co.bounds[0]!, end: co.bounds[2 * last]! + co.bounds[2 * last + 1]! };
}

/**
 * Both passes for the output block t.cols × t.rows of a t.width × t.height resize. Pillow skips a
 * pass whose size does not change (it would be the identity anyway).
 */
function passes(width: number, height: number, t: Target): { horizontal?: Coefficients; vertical?: Coefficients; rows: Range } {
  const vertical = t.height !== height ? coefficients(height, t.height, t.rows) : undefined;
  const horizontal = t.width !== width ? coefficients(width, t.width, t.cols) : undefined;
  return { horizontal, vertical, rows: vertical ? sourceRange(vertical) : t.rows };
}

function resample8(src: Uint8Array, width: number, height: number, channels: number, t: Target): Uint8Array {
  const { horizontal, vertical, rows } = passes(width, height, t);
  const cols = t.cols.end - t.cols.start;
  const mid = horizontal
    ? horizontal8(src, width, channels, horizontal, rows)
    : copyBlock(src, new Uint8Array(cols * (rows.end - rows.start) * channels), width, channels, rows, t.cols);
  return vertical ? vertical8(mid, cols * channels, vertical, rows.start) : mid;
}

/** Pillow's 32-bit ('I') path: double weights, ROUND_UP to int after each pass, no clipping. */
function resampleInt(src: Uint16Array, width: number, height: number, t: Target): Int32Array {
  const { horizontal, vertical, rows } = passes(width, height, t);
  const cols = t.cols.end - t.cols.start;
  const mid = horizontal
    ? horizontalInt(src, width, horizontal, rows)
    : copyBlock(src, new Int32Array(cols * (rows.end - rows.start)), width, 1, rows, t.cols);
  return vertical ? verticalInt(mid, cols, vertical, rows.start) : mid;
}

function copyBlock<T extends Uint8Array | Int32Array>(src: Uint8Array | Uint16Array, out: T, width: number, channels: number, rows: Range, cols: Range): T {
  const rowLength = (cols.end - cols.start) * channels;
  for (let y = rows.start, o = 0; y < rows.end; y++, o += rowLength) {
    const from = (y * width + cols.start) * channels;
    out.set(src.subarray(from, from + rowLength), o);
  }
  return out;
}

function horizontal8(src: Uint8Array, width: number, channels: number, co: Coefficients, rows: Range): Uint8Array {
  if (channels === 3) return horizontalRgb(src, width, co, rows);
  const { bounds, fixed, ksize } = co;
  const cols = bounds.length / 2;
  // Clamped storage does Pillow's clip8 for free: the shifted sum is an integer.
  const out = new Uint8ClampedArray(cols * (rows.end - rows.start) * channels);
  let o = 0;
  for (let y = rows.start; y < rows.end; y++) {
    for (let j = 0; j < cols; j++) {
      const first = (y * width + bounds[2 * j]!) * channels;
      for (let c = 0; c < channels; c++) {
        let ss = HALF;
        for (let i = 0, p = first + c; i < bounds[2 * j + 1]!; i++, p += channels) ss += src[p]! * fixed[j * ksize + i]!;
        out[o++] = ss >> PRECISION_BITS;
      }
    }
  }
  return new Uint8Array(out.buffer);
}

/** horizontal8 for the common RGB case: one walk over the taps for all three channels. */
function horizontalRgb(src: Uint8Array, width: number, co: Coefficients, rows: Range): Uint8Array {
  const { bounds, fixed, ksize } = co;
  const cols = bounds.length / 2;
  const out = new Uint8ClampedArray(cols * (rows.end - rows.start) * 3);
  let o = 0;
  for (let y = rows.start; y < rows.end; y++) {
    for (let j = 0; j < cols; j++, o += 3) {
      const count = bounds[2 * j + 1]!;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let i = 0, p = (y * width + bounds[2 * j]!) * 3, k = j * ksize; i < count; i++, p += 3, k++) {
        const w = fixed[k]!;
        r += src[p]! * w;
        g += src[p + 1]! * w;
        b += src[p + 2]! * w;
      }
      out[o] = r >> PRECISION_BITS;
      out[o + 1] = g >> PRECISION_BITS;
      out[o + 2] = b >> PRECISION_BITS;
    }
  }
  return new Uint8Array(out.buffer);
}

/**
 * `src` holds rows from input row `firstRow` on, `stride` samples each. Row-at-a-time
 * accumulation keeps memory access sequential; the sums are those of Pillow's loop, in its order.
 */
function vertical8(src: Uint8Array, stride: number, co: Coefficients, firstRow: number): Uint8Array {
  const { bounds, fixed, ksize } = co;
  const rows = bounds.length / 2;
  const out = new Uint8ClampedArray(stride * rows);
  const acc = new Int32Array(stride);
  for (let j = 0, o = 0; j < rows; j++) {
    const first = (bounds[2 * j]! - firstRow) * stride;
    acc.fill(HALF);
    for (let i = 0; i < bounds[2 * j + 1]!; i++) {
      const w = fixed[j * ksize + i]!;
      for (let e = 0, p = first + i * stride; e < stride; e++, p++) acc[e] = acc[e]! + src[p]! * w;
    }
    for (let e = 0; e < stride; e++) out[o++] = acc[e]! >> PRECISION_BITS;
  }
  return new Uint8Array(out.buffer);
}

/** Pillow's ROUND_UP: (int)(f >= 0 ? f + 0.5 : f - 0.5). */
function roundUp(f: number): number {
  return f >= 0 ? Math.trunc(f + 0.5) : Math.trunc(f - 0.5);
}

function horizontalInt(src: Uint16Array, width: number, co: Coefficients, rows: Range): Int32Array {
  const { bounds, weights, ksize } = co;
  const cols = bounds.length / 2;
  const out = new Int32Array(cols * (rows.end - rows.start));
  let o = 0;
  for (let y = rows.start; y < rows.end; y++) {
    for (let j = 0; j < cols; j++) {
      const first = y * width + bounds[2 * j]!;
      let ss = 0;
      for (let i = 0; i < bounds[2 * j + 1]!; i++) ss += src[first + i]! * weights[j * ksize + i]!;
      out[o++] = roundUp(ss);
    }
  }
  return out;
}

function verticalInt(src: Int32Array, stride: number, co: Coefficients, firstRow: number): Int32Array {
  const { bounds, weights, ksize } = co;
  const rows = bounds.length / 2;
  const out = new Int32Array(stride * rows);
  for (let j = 0, o = 0; j < rows; j++) {
    const first = (bounds[2 * j]! - firstRow) * stride;
    for (let x = 0; x < stride; x++) {
      let ss = 0;
      for (let i = 0; i < bounds[2 * j + 1]!; i++) ss += src[first + i * stride + x]! * weights[j * ksize + i]!;
      out[o++] = roundUp(ss);
    }
  }
  return out;
}

/**
 * Pillow's NEAREST resize (ImagingScaleAffine): the source coordinate starts at step/2 and is
 * advanced by repeated addition, then truncated; recomputing it as (i + 0.5)·step can differ.
 */
function nearestIndices(inSize: number, outSize: number, window: Range): Int32Array {
  const step = inSize / outSize;
  const out = new Int32Array(window.end - window.start);
  let pos = step * 0.5;
  for (let i = 0; i < window.end; i++, pos += step) {
    if (i < window.start) continue;
    const index = pos < 0 ? -1 : Math.trunc(pos);
    out[i - window.start] = index < inSize ? index : -1;
  }
  return out;
}

function nearest(image: DecodedImage, t: Target): Uint8Array {
  const xs = nearestIndices(image.width, t.width, t.cols);
  const ys = nearestIndices(image.height, t.height, t.rows);
  const ch = image.channels;
  const out = new Uint8Array(xs.length * ys.length * ch);
  let o = 0;
  for (const sy of ys) {
    for (let x = 0; x < xs.length; x++, o += ch) {
      const sx = xs[x]!;
      if (sy < 0 || sx < 0) continue;
      const from = (sy * image.width + sx) * ch;
      for (let c = 0; c < ch; c++) out[o + c] = image.data[from + c]!;
    }
  }
  return out;
}

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
