import type { DecodedImage } from './types.js';

/*
 * Pillow 9.4's ImagingResample (Resample.c) for BICUBIC, and its NEAREST for palette and 1-bit
 * images: centre-aligned taps, support scaled by the downscale factor, a = -0.5, horizontal pass
 * then vertical pass; for 8-bit images fixed-point weights with 22 fractional bits and clipping to
 * 0..255 after each pass, for 32-bit ('I') images double weights rounded after each pass. Only the
 * output pixels inside `Target`'s window are computed: each is independent of the others.
 */

/** A half-open index range. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** The resized size and the part of it the crop keeps. */
export interface Target {
  readonly width: number;
  readonly height: number;
  readonly cols: Range;
  readonly rows: Range;
}

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

export function resample8(src: Uint8Array, width: number, height: number, channels: number, t: Target): Uint8Array {
  const { horizontal, vertical, rows } = passes(width, height, t);
  const cols = t.cols.end - t.cols.start;
  const mid = horizontal
    ? horizontal8(src, width, channels, horizontal, rows)
    : copyBlock(src, new Uint8Array(cols * (rows.end - rows.start) * channels), width, channels, rows, t.cols);
  return vertical ? vertical8(mid, cols * channels, vertical, rows.start) : mid;
}

/** Pillow's 32-bit ('I') path: double weights, ROUND_UP to int after each pass, no clipping. */
export function resampleInt(src: Uint16Array, width: number, height: number, t: Target): Int32Array {
  const { horizontal, vertical, rows } = passes(width, height, t);
  const cols = t.cols.end - t.cols.start;
  const mid = horizontal
    ? horizontalInt(src, width, horizontal, rows)
    : copyBlock(src, new Int32Array(cols * (rows.end - rows.start)), width, 1, rows, t.cols);
  return vertical ? verticalInt(mid, cols, vertical, rows.start) : mid;
}

function copyBlock<T extends Uint8Array | Int32Array>(
  src: Uint8Array | Uint16Array,
  out: T,
  width: number,
  channels: number,
  rows: Range,
  cols: Range,
): T {
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

export function nearest(image: DecodedImage, t: Target): Uint8Array {
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
