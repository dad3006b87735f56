import { BmpError, RLE4, refused, type Header, type RawMode } from './bmpHeader.js';

/*
 * A BMP's pixel data turned into samples (palette indices, grey levels, RGB or RGBA) as Pillow 9.4
 * decodes it (see bmp.ts): uncompressed and bitfield rows by raw mode, and RLE8/RLE4 streams.
 */

// ---------------------------------------------------------------------------------------------
// Pixels: uncompressed rows

/** Bits per pixel of each raw mode, which sets how much of a row PIL reads. */
const RAW_BITS: Readonly<Record<RawMode, number>> = {
  '1': 1,
  'P;1': 1,
  'P;4': 4,
  P: 8,
  L: 8,
  'BGR;15': 16,
  'BGR;16': 16,
  BGR: 24,
  BGRX: 32,
  XBGR: 32,
  ABGR: 32,
  RGBA: 32,
  BGRA: 32,
};

/** Unpacks one row of `width` pixels from `src` at `at` into `out` at `o`. */
type Unpack = (src: Uint8Array, at: number, out: Uint8Array, o: number, width: number) => void;

const UNPACKERS: Readonly<Record<RawMode, Unpack>> = {
  '1': unpackPacked(1, 255),
  'P;1': unpackPacked(1, 1),
  'P;4': unpackPacked(4, 1),
  P: unpackPacked(8, 1),
  L: unpackPacked(8, 1),
  'BGR;15': unpack16(5),
  'BGR;16': unpack16(6),
  BGR: unpackBytes(3, [2, 1, 0]),
  BGRX: unpackBytes(4, [2, 1, 0]),
  XBGR: unpackBytes(4, [3, 2, 1]),
  ABGR: unpackBytes(4, [3, 2, 1, 0]),
  RGBA: unpackBytes(4, [0, 1, 2, 3]),
  BGRA: unpackBytes(4, [2, 1, 0, 3]),
};

/** Samples per pixel each raw mode unpacks to: an index or grey level, RGB or RGBA. */
function unpackedChannels(rawMode: RawMode): 1 | 3 | 4 {
  if (RAW_BITS[rawMode] <= 8) return 1;
  return rawMode.includes('A') ? 4 : 3;
}

/** MSB-first packed samples; `scale` 255 turns mode '1' bits into PIL's 0/255. */
function unpackPacked(bits: 1 | 4 | 8, scale: number): Unpack {
  if (bits === 8) return (src, at, out, o, width) => out.set(src.subarray(at, at + width), o);
  const perByte = 8 / bits;
  const max = (1 << bits) - 1;
  return (src, at, out, o, width) => {
    for (let x = 0; x < width; x++) {
      const byte = src[at + Math.floor(x / perByte)]!;
      out[o + x] = ((byte >> (8 - bits * ((x % perByte) + 1))) & max) * scale;
    }
  };
}

/** Little-endian 5-5-5 or 5-6-5 pixels, R in the top bits; Pillow scales each with v·255/max, truncated. */
function unpack16(greenBits: 5 | 6): Unpack {
  const greenMax = (1 << greenBits) - 1;
  return (src, at, out, o, width) => {
    for (let x = 0; x < width; x++, o += 3) {
      const v = src[at + 2 * x]! | (src[at + 2 * x + 1]! << 8);
      out[o] = Math.trunc((((v >> (5 + greenBits)) & 31) * 255) / 31);
      out[o + 1] = Math.trunc((((v >> 5) & greenMax) * 255) / greenMax);
      out[o + 2] = Math.trunc(((v & 31) * 255) / 31);
    }
  };
}

/** Whole-byte pixels of `size` bytes; R, G, B (and A) are bytes `r`, `g`, `b` (`a`) of each. */
function unpackBytes(size: 3 | 4, [r, g, b, a]: readonly [number, number, number, number?]): Unpack {
  if (a === undefined) {
    return (src, at, out, o, width) => {
      for (let i = at, end = at + width * size; i < end; i += size, o += 3) {
        out[o] = src[i + r]!;
        out[o + 1] = src[i + g]!;
        out[o + 2] = src[i + b]!;
      }
    };
  }
  return (src, at, out, o, width) => {
    for (let i = at, end = at + width * size; i < end; i += size, o += 4) {
      out[o] = src[i + r]!;
      out[o + 1] = src[i + g]!;
      out[o + 2] = src[i + b]!;
      out[o + 3] = src[i + a]!;
    }
  };
}

/**
 * Rows are padded to 4 bytes at the file's depth, but PIL reads each in its raw mode's depth; where
 * that needs more than the padded row (a 4-bit grey ramp read as 8-bit 'L'), PIL's decoder fails
 * ("codec configuration error"). The last row's padding may be missing.
 */
export function readRows(bytes: Uint8Array, h: Header, start: number, rawMode: RawMode): Uint8Array {
  const stride = 4 * Math.floor((h.width * h.bits + 31) / 32);
  const rowBytes = Math.ceil((h.width * RAW_BITS[rawMode]) / 8);
  if (rowBytes > stride) throw refused(`a ${h.bits}-bit BMP whose grey palette makes PIL read ${RAW_BITS[rawMode]}-bit rows`);
  const end = start + (h.height - 1) * stride + rowBytes;
  if (end > bytes.length) throw new BmpError(`the BMP pixel data is truncated (it needs ${end} bytes, the file has ${bytes.length})`);
  const channels = unpackedChannels(rawMode);
  const out = new Uint8Array(h.width * h.height * channels);
  const unpack = UNPACKERS[rawMode];
  for (let y = 0; y < h.height; y++) unpack(bytes, start + y * stride, out, outputRow(h, y) * h.width * channels, h.width);
  return out;
}

/** Stored row `y` lands at this image row: BMPs are bottom-up unless the height is negative. */
function outputRow(h: Header, y: number): number {
  return h.topDown ? y : h.height - 1 - y;
}

// ---------------------------------------------------------------------------------------------
// Pixels: RLE8 / RLE4, ported from Pillow 9.4's BmpRleDecoder with its quirks: a run never passes
// the row end (but an absolute run may), a delta reads 4 bytes and uses the last two, an absolute
// RLE4 run of n pixels reads ⌊n/2⌋ bytes, word alignment counts from the start of the file.

interface RleState {
  readonly out: Uint8Array;
  /** How many pixels PIL's bytearray holds: it may pass the image size, the excess is dropped. */
  length: number;
  x: number;
  at: number;
}

export function readRle(bytes: Uint8Array, h: Header, start: number): Uint8Array {
  const s: RleState = { out: new Uint8Array(h.width * h.height), length: 0, x: 0, at: start };
  const rle4 = h.compression === RLE4;
  while (s.length < s.out.length && s.at + 2 <= bytes.length) {
    const count = bytes[s.at]!;
    const value = bytes[s.at + 1]!;
    s.at += 2;
    if (count > 0) encodedRun(s, h.width, count, value, rle4);
    else if (value === 0) endOfLine(s, h.width);
    else if (value === 1) break;
    else if (value === 2) {
      if (!delta(bytes, s, h.width)) break;
    } else if (!absoluteRun(bytes, s, value, rle4)) break;
  }
  if (s.length < s.out.length) throw new BmpError('the BMP RLE data ends before the image is complete (PIL: "not enough image data")');
  if (!h.topDown) flipRows(s.out, h.width, h.height);
  return s.out;
}

/** In place, so that a large RLE image is not held twice. */
function flipRows(data: Uint8Array, width: number, height: number): void {
  const row = new Uint8Array(width);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    row.set(data.subarray(top * width, (top + 1) * width));
    data.copyWithin(top * width, bottom * width, (bottom + 1) * width);
    data.set(row, bottom * width);
  }
}

function push(s: RleState, value: number): void {
  if (s.length < s.out.length) s.out[s.length] = value;
  s.length++;
}

function encodedRun(s: RleState, width: number, count: number, value: number, rle4: boolean): void {
  const run = s.x + count > width ? Math.max(0, width - s.x) : count;
  for (let i = 0; i < run; i++) push(s, rle4 ? (i % 2 === 0 ? value >> 4 : value & 15) : value);
  s.x += run;
}

/** Pads with index 0 to the next row boundary. */
function endOfLine(s: RleState, width: number): void {
  s.length += (width - (s.length % width)) % width;
  s.x = 0;
}

/** False where PIL stops reading (the stream ends); a stream cut inside the offsets fails PIL outright. */
function delta(bytes: Uint8Array, s: RleState, width: number): boolean {
  if (s.at + 2 > bytes.length) return false;
  s.at += 2;
  if (s.at + 2 > bytes.length) throw new BmpError('the BMP RLE data is truncated inside a delta');
  s.length += bytes[s.at]! + bytes[s.at + 1]! * width;
  s.at += 2;
  s.x = s.length % width;
  return true;
}

function absoluteRun(bytes: Uint8Array, s: RleState, count: number, rle4: boolean): boolean {
  const wanted = rle4 ? count >> 1 : count;
  const got = Math.min(wanted, bytes.length - s.at);
  for (let i = 0; i < got; i++) {
    const byte = bytes[s.at + i]!;
    if (rle4) {
      push(s, byte >> 4);
      push(s, byte & 15);
    } else push(s, byte);
  }
  s.at += got;
  if (got < wanted) return false;
  s.x += count;
  if (s.at % 2 !== 0) s.at++;
  return true;
}
