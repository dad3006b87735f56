/*
 * What a BMP's headers and palette say, read as Pillow 9.4's BmpImagePlugin reads them (see bmp.ts),
 * and the mode PIL decides on from them: the image mode, the raw mode its rows are read in, whether
 * the pixels are RLE-compressed, where they start. Also the error type and byte readers the BMP
 * files share.
 */

/** Why a BMP cannot be opened; decode.ts reports it as "cannot decode image <file>: <reason>". */
export class BmpError extends Error {
  override readonly name: string = 'BmpError';
}

const FILE_HEADER = 14;
const HEADER_SIZES: readonly number[] = [12, 40, 64, 108, 124];
const RAW = 0;
const RLE8 = 1;
export const RLE4 = 2;
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

export type Mode = 'RGB' | 'RGBA' | 'P' | 'L' | '1';

/** PIL's raw modes: how a row's bytes become pixels. */
export type RawMode = '1' | 'P;1' | 'P;4' | 'P' | 'L' | 'BGR;15' | 'BGR;16' | 'BGR' | 'BGRX' | 'XBGR' | 'ABGR' | 'RGBA' | 'BGRA';

export interface Header {
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

export interface Layout {
  readonly mode: Mode;
  readonly rawMode: RawMode;
  readonly rle: boolean;
  /** Bytes PIL reads past the info header before the palette: masks that follow a 40-byte header. */
  readonly masksAfterHeader: number;
}

export interface Palette {
  readonly mode: 'P' | 'L' | '1';
  /** 256 RGB entries as PIL holds them: the file's colours, then PIL's grey ramp (i, i, i). */
  readonly rgb: Uint8Array;
  readonly end: number;
}

export function readHeader(bytes: Uint8Array): Header {
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

export function pixelLayout(bytes: Uint8Array, h: Header): Layout {
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
export function readPalette(bytes: Uint8Array, h: Header, layout: Layout): Palette {
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

export function greyRamp(): Uint8Array {
  return Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3));
}

/** A dropped palette makes PIL read the pixels in the new mode's raw mode, whatever their depth. */
export function paletteRawMode(mode: Palette['mode'], layout: Layout): RawMode {
  if (layout.rle) {
    if (mode === '1') throw refused('an RLE-compressed BMP with a black-and-white palette (PIL: "unknown raw mode")');
    return mode === 'L' ? 'L' : 'P';
  }
  return mode === 'P' ? layout.rawMode : mode;
}

export function checkSize(h: Header): void {
  if (h.width === 0 || h.height === 0) throw refused('a BMP with zero width or height');
  if (h.width * h.height > MAX_PIXELS) {
    throw refused(`a ${h.width}×${h.height} BMP: over ${MAX_PIXELS} pixels, PIL refuses it as a possible decompression bomb`);
  }
}

/**
 * A header-sized offset on a palette image is taken to mean "the pixels follow the palette" (PIL
 * adds 4 bytes per colour); a zero offset means wherever PIL stopped reading.
 */
export function pixelStart(h: Header, layout: Layout, palette: Palette | undefined): number {
  if (h.offset === FILE_HEADER + h.size && h.bits <= 8) return h.offset + 4 * h.colours;
  if (h.offset !== 0) return h.offset;
  return palette?.end ?? FILE_HEADER + h.size + layout.masksAfterHeader;
}

export function refused(what: string): BmpError {
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
