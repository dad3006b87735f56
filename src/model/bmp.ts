import type { PilSource, SourceImage } from './decode.js';

/*
 * BMP decoding as Pillow 9.4's BmpImagePlugin does it, because libvips (sharp) has no BMP loader and
 * the npm decoders differ from PIL where it matters here (palette images kept as palette images,
 * 16-bit scaling, bitfield layouts, RLE quirks, what is refused). Each rule below is PIL's, measured
 * against the files of tools/reference/make_bmp_goldens.py, including its oddities: a file PIL opens
 * decodes to PIL's pixels, a file PIL refuses is refused.
 */

/** Why a BMP cannot be opened; decode.ts reports it as "cannot decode image <file>: <reason>". */
export class BmpError extends Error {
  override readonly name: string = 'BmpError';
}

export function isBmp(bytes: Uint8Array): boolean {
  return bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM": PIL's only test before parsing
}

const FILE_HEADER = 14;
const HEADER_SIZES: readonly number[] = [12, 40, 64, 108, 124];
const RAW = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;
const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  4: 'JPEG',
  5: 'PNG',
  6: 'alpha bitfields',
  11: 'CMYK',
  12: 'CMYK RLE8',
  13: 'CMYK RLE4',
};

/** Image.open refuses more pixels than 2 · Image.MAX_IMAGE_PIXELS as a possible decompression bomb. */
const MAX_PIXELS = 2 * 89478485;

type Mode = 'RGB' | 'RGBA' | 'P' | 'L' | '1';

/** PIL's raw modes: how a row's bytes become pixels. */
type RawMode = '1' | 'P;1' | 'P;4' | 'P' | 'L' | 'BGR;15' | 'BGR;16' | 'BGR' | 'BGRX' | 'XBGR' | 'ABGR' | 'RGBA' | 'BGRA';

interface Header {
  readonly size: number;
  readonly width: number;
  readonly height: number;
  readonly topDown: boolean;
  readonly bits: number;
  readonly compression: number;
  /** The header's colour count, or 2^bits when it says 0 (or has none). */
  readonly colours: number;
  readonly paletteEntry: 3 | 4;
  /** Where the file header says the pixels start (0: right after what PIL has read). */
  readonly offset: number;
}

interface Layout {
  readonly mode: Mode;
  readonly rawMode: RawMode;
  readonly rle: boolean;
  /** Bytes PIL reads past the info header before the palette: masks that follow a 40-byte header. */
  readonly masksAfterHeader: number;
}

interface Palette {
  readonly mode: 'P' | 'L' | '1';
  /** 256 RGB entries as PIL holds them: the file's colours, then PIL's grey ramp (i, i, i). */
  readonly rgb: Uint8Array;
  readonly end: number;
}

export function decodeBmp(bytes: Uint8Array): SourceImage {
  const header = readHeader(bytes);
  const layout = pixelLayout(bytes, header);
  const palette = layout.mode === 'P' ? readPalette(bytes, header, layout) : undefined;
  const mode = palette?.mode ?? layout.mode;
  checkSize(header);
  const start = pixelStart(header, layout, palette);
  const rawMode = palette === undefined ? layout.rawMode : paletteRawMode(palette.mode, layout);
  const samples = layout.rle ? readRle(bytes, header, start) : readRows(bytes, header, start, rawMode);
  return toSourceImage(header, mode, samples, palette);
}

function readHeader(bytes: Uint8Array): Header {
  const offset = u32(bytes, 10);
  const size = u32(bytes, FILE_HEADER);
  if (!HEADER_SIZES.includes(size)) throw refused(`a BMP info header of ${size} bytes (PIL reads 12, 40, 64, 108 and 124)`);
  need(bytes, FILE_HEADER + size, 'header');
  if (size === 12) {
    // OS/2 1.x: 16-bit unsigned sizes, always bottom-up, no compression, 3-byte palette entries.
    const bits = u16(bytes, 24);
    return {
      size,
      width: u16(bytes, 18),
      height: u16(bytes, 20),
      topDown: false,
      bits,
      compression: RAW,
      colours: 2 ** bits,
      paletteEntry: 3,
      offset,
    };
  }
  // PIL reads the sizes unsigned and takes a height whose top byte is 0xFF as negative: top-down.
  const topDown = bytes[25] === 0xff;
  const height = u32(bytes, 22);
  const bits = u16(bytes, 28);
  const colours = u32(bytes, 46) || 2 ** bits;
  return {
    size,
    width: u32(bytes, 18),
    height: topDown ? 2 ** 32 - height : height,
    topDown,
    bits,
    compression: u32(bytes, 30),
    colours,
    paletteEntry: 4,
    offset,
  };
}

const DEPTH_RAW_MODES: Readonly<Record<number, RawMode>> = { 1: 'P;1', 4: 'P;4', 8: 'P', 16: 'BGR;15', 24: 'BGR', 32: 'BGRX' };

function pixelLayout(bytes: Uint8Array, h: Header): Layout {
  const rawMode = DEPTH_RAW_MODES[h.bits];
  if (rawMode === undefined) throw refused(`a BMP with ${h.bits} bits per pixel (PIL reads 1, 4, 8, 16, 24 and 32)`);
  const mode = h.bits <= 8 ? 'P' : 'RGB';
  if (h.compression === BITFIELDS) return bitfieldsLayout(bytes, h);
  if (h.compression === RAW) return { mode, rawMode, rle: false, masksAfterHeader: 0 };
  if (h.compression === RLE8 || h.compression === RLE4) {
    // PIL's RLE decoder hands over palette indices ("P"/"L"), which no other mode accepts.
    if (mode !== 'P') throw refused(`a ${h.bits}-bit BMP with RLE compression`);
    return { mode, rawMode, rle: true, masksAfterHeader: 0 };
  }
  const name = COMPRESSION_NAMES[h.compression] ?? 'unknown';
  throw refused(`a BMP with compression ${h.compression} (${name}; PIL reads uncompressed, RLE8, RLE4 and bitfields)`);
}

/** PIL's table of the bitfield layouts it knows: bits and R, G, B(, A) masks → raw mode. */
const MASK_RAW_MODES: Readonly<Record<string, RawMode>> = {
  '32:ff0000,ff00,ff,0': 'BGRX',
  '32:ff000000,ff0000,ff00,0': 'XBGR',
  '32:ff000000,ff0000,ff00,ff': 'ABGR',
  '32:ff,ff00,ff0000,ff000000': 'RGBA',
  '32:ff0000,ff00,ff,ff000000': 'BGRA',
  '32:0,0,0,0': 'BGRA',
  '24:ff0000,ff00,ff': 'BGR',
  '16:f800,7e0,1f': 'BGR;16',
  '16:7c00,3e0,1f': 'BGR;15',
};

/**
 * The masks sit right after a 40-byte header (which has no alpha mask) or inside a longer one; both
 * start at byte 54. 24- and 16-bit layouts are matched on R, G, B only.
 */
function bitfieldsLayout(bytes: Uint8Array, h: Header): Layout {
  const count = h.bits === 32 ? 4 : 3;
  const masks = [0, 1, 2, 3].slice(0, count).map((i) => (i === 3 && h.size === 40 ? 0 : u32(bytes, 54 + 4 * i)));
  const rawMode = MASK_RAW_MODES[`${h.bits}:${masks.map((m) => m.toString(16)).join(',')}`];
  if (rawMode === undefined) throw refused(`a BMP bitfields layout (${h.bits} bits, masks ${masks.map(hex).join(', ')}) PIL does not know`);
  return { mode: rawMode.includes('A') ? 'RGBA' : 'RGB', rawMode, rle: false, masksAfterHeader: h.size === 40 ? 12 : 0 };
}

/**
 * PIL reads `colours` entries, or what is left of the file, and keeps as many whole entries as it got
 * (an OS/2 palette, 256 entries by default, may run into the pixels). It drops the palette when it
 * is the grey ramp: two entries black and white → mode '1', otherwise entry i = (i, i, i) for every
 * entry → 'L'. Only then may it hold more than 256 colours.
 */
function readPalette(bytes: Uint8Array, h: Header, layout: Layout): Palette {
  if (!(h.colours > 0 && h.colours <= 65536)) throw refused(`a BMP palette of ${h.colours} colours`);
  const start = FILE_HEADER + h.size + layout.masksAfterHeader;
  const data = bytes.subarray(start, start + h.paletteEntry * h.colours);
  const end = start + data.length;
  const isGrey = (i: number, v: number): boolean => {
    const at = i * h.paletteEntry;
    return at + 3 <= data.length && data[at] === v && data[at + 1] === v && data[at + 2] === v;
  };
  const greys = h.colours === 2 ? [0, 255] : Array.from({ length: h.colours }, (_, i) => i & 255);
  if (greys.every((v, i) => isGrey(i, v))) return { mode: h.colours === 2 ? '1' : 'L', rgb: greyRamp(), end };
  const entries = Math.floor(data.length / h.paletteEntry);
  if (entries > 256) throw refused(`a BMP palette of ${entries} colours (PIL: "invalid palette size")`);
  const rgb = greyRamp();
  for (let i = 0; i < entries; i++) {
    const at = i * h.paletteEntry; // stored B, G, R
    rgb.set([data[at + 2]!, data[at + 1]!, data[at]!], 3 * i);
  }
  return { mode: 'P', rgb, end };
}

function greyRamp(): Uint8Array {
  return Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3));
}

/** A dropped palette makes PIL read the pixels in the new mode's raw mode, whatever their depth. */
function paletteRawMode(mode: Palette['mode'], layout: Layout): RawMode {
  if (layout.rle) {
    if (mode === '1') throw refused('an RLE-compressed BMP with a black-and-white palette (PIL: "unknown raw mode")');
    return mode === 'L' ? 'L' : 'P';
  }
  return mode === 'P' ? layout.rawMode : mode;
}

function checkSize(h: Header): void {
  if (h.width === 0 || h.height === 0) throw refused('a BMP with zero width or height');
  if (h.width * h.height > MAX_PIXELS) {
    throw refused(`a ${h.width}×${h.height} BMP: over ${MAX_PIXELS} pixels, PIL refuses it as a possible decompression bomb`);
  }
}

/**
 * A header-sized offset on a palette image is taken to mean "the pixels follow the palette" (PIL
 * adds 4 bytes per colour); a zero offset means wherever PIL stopped reading.
 */
function pixelStart(h: Header, layout: Layout, palette: Palette | undefined): number {
  if (h.offset === FILE_HEADER + h.size && h.bits <= 8) return h.offset + 4 * h.colours;
  if (h.offset !== 0) return h.offset;
  return palette?.end ?? FILE_HEADER + h.size + layout.masksAfterHeader;
}

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
function readRows(bytes: Uint8Array, h: Header, start: number, rawMode: RawMode): Uint8Array {
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

function readRle(bytes: Uint8Array, h: Header, start: number): Uint8Array {
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

// ---------------------------------------------------------------------------------------------

/** What decode.ts hands on: PIL's convert('RGB') (RGBA for mode RGBA, one grey band for L and 1). */
function toSourceImage(h: Header, mode: Mode, samples: Uint8Array, palette: Palette | undefined): SourceImage {
  const { width, height } = h;
  if (mode === 'RGB') return { width, height, channels: 3, data: samples };
  if (mode === 'RGBA') return { width, height, channels: 4, data: samples };
  if (mode === 'L') return { width, height, channels: 1, data: samples };
  if (mode === '1') return { width, height, channels: 1, data: samples, pilSource: { mode: '1' } };
  const rgb = palette?.rgb ?? greyRamp();
  const data = new Uint8Array(samples.length * 3);
  for (let i = 0, o = 0; i < samples.length; i++, o += 3) {
    const at = 3 * samples[i]!;
    data[o] = rgb[at]!;
    data[o + 1] = rgb[at + 1]!;
    data[o + 2] = rgb[at + 2]!;
  }
  const pilSource: PilSource = { mode: 'P', padColour: [rgb[0]!, rgb[1]!, rgb[2]!] };
  return { width, height, channels: 3, data, pilSource };
}

function refused(what: string): BmpError {
  return new BmpError(`${what}, which the reference pipeline (PIL) cannot open`);
}

function need(bytes: Uint8Array, end: number, part: string): void {
  if (end > bytes.length) throw new BmpError(`the BMP ${part} is truncated (it needs ${end} bytes, the file has ${bytes.length})`);
}

function u16(bytes: Uint8Array, at: number): number {
  need(bytes, at + 2, 'header');
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  need(bytes, at + 4, 'header');
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}
