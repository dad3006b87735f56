import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { InputError } from '../errors.js';
import { BmpError, decodeBmp, isBmp } from './bmp.js';
import { cmykToRgb } from './preprocess.js';
import { hasRasterSignature, NotRaster, notRasterReason, vectorReason } from './imageSignature.js';
import type { DecodedImage } from './types.js';

/**
 * The reference pipeline works on what PIL (Pillow 9.4) opens. For a few of PIL's modes the 8-bit
 * DecodedImage alone cannot reproduce what PIL's resize does, so the decoder keeps what is needed:
 * - 'P' (palette) and '1' (1-bit): PIL resizes these with NEAREST whatever filter is asked for;
 * - 'I' (16-bit grey PNG): PIL holds 32-bit ints, resizes them, and only clips to 0..255 when
 *   converted to RGB (after the crop in `clip` order);
 * - 'CMYK' (JPEG): PIL resizes the CMYK samples and converts to RGB afterwards (`clip` order).
 * `data` always holds what PIL's convert('RGB'/'RGBA'/'L'/'LA') gives for the whole image.
 */
export type PilSource =
  | { readonly mode: '1' }
  /** `padColour`: palette entry 0, what torchvision's zero padding of a P image turns into. */
  | { readonly mode: 'P'; readonly padColour: readonly [number, number, number] }
  | { readonly mode: 'I'; readonly samples: Uint16Array }
  | { readonly mode: 'CMYK'; readonly samples: Uint8Array };

export interface PilImageInfo {
  readonly pilSource?: PilSource;
}

export type SourceImage = DecodedImage & PilImageInfo;

/**
 * No EXIF rotation (sharp only rotates when asked), no ICC transform (PIL never applies one), and a
 * truncated file is an error as in PIL. `failOn: 'truncated'` rather than sharp's default 'warning'
 * because PIL accepts files libjpeg only warns about (e.g. extraneous bytes before a marker).
 * sharp's default pixel limit (0x3FFF²) guards against decompression bombs.
 */
const SHARP_OPTIONS: SharpOptions = { failOn: 'truncated', ignoreIcc: true, autoOrient: false };

/**
 * Decodes an image file (path) or encoded bytes as PIL would open it; `name` labels errors for bytes.
 * BMP goes to bmp.ts (libvips has no BMP loader); vector formats, which PIL cannot open, are refused.
 */
export async function decodeImage(input: string | Uint8Array, name?: string): Promise<SourceImage> {
  const label = typeof input === 'string' ? input : (name ?? 'image buffer');
  const bytes = typeof input === 'string' ? await readBytes(input) : input;
  if (bytes.length === 0) throw decodeError(label, 'the file is empty (0 bytes)');
  try {
    return await decodeBytes(bytes);
  } catch (err) {
    throw decodeError(label, describeDecodeError(err), err);
  }
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw decodeError(file, describeReadError(err), err);
  }
}

function decodeError(label: string, what: string, cause?: unknown): InputError {
  return new InputError(`cannot decode image ${label}: ${what}`, cause === undefined ? undefined : { cause });
}

function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'it is a directory, not an image file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return firstLine(err);
}

function describeDecodeError(err: unknown): string {
  if (err instanceof NotRaster || err instanceof BmpError) return err.message;
  return describeSharpError(err);
}

function describeSharpError(err: unknown): string {
  const text = firstLine(err);
  if (/unsupported image format/i.test(text)) return 'not a supported image format (is the file corrupt or not an image?)';
  if (/pixel limit/i.test(text)) return 'the image is too large (over 268402689 pixels, sharp’s safety limit)';
  return `the image data is truncated or corrupt (${text})`;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

async function decodeBytes(bytes: Uint8Array): Promise<SourceImage> {
  if (isBmp(bytes)) return decodeBmp(bytes);
  if (!hasRasterSignature(bytes)) throw new NotRaster(notRasterReason(bytes));
  const meta = await sharp(bytes, SHARP_OPTIONS).metadata();
  // Unreachable through the signatures above; kept so that no later change lets sharp render one.
  if (meta.format === 'svg' || meta.format === 'pdf') throw new NotRaster(vectorReason(meta.format === 'svg' ? 'SVG' : 'PDF'));
  const png = meta.format === 'png' ? readPngHeader(bytes) : undefined;
  if (meta.space === 'cmyk') return decodeCmyk(bytes);
  if (meta.space === 'grey16' || meta.space === 'rgb16') return decode16(bytes, meta.space, png);
  return decode8(bytes, meta, png);
}

interface PngHeader {
  readonly bitDepth: number;
  readonly colourType: number;
}

/** PIL picks its mode from the IHDR colour type; sharp's metadata cannot tell tRNS from real alpha. */
function readPngHeader(bytes: Uint8Array): PngHeader | undefined {
  const isIhdr = bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  if (!isIhdr || bytes.length < 26) return undefined;
  return { bitDepth: bytes[24]!, colourType: bytes[25]! };
}

/**
 * PIL keeps a tRNS chunk of a grey or RGB PNG as `info['transparency']` and convert('RGB') ignores
 * it, whereas libvips turns it into an alpha band; only colour types 3 (palette + tRNS: PIL's
 * convert('RGBA')), 4 (LA) and 6 (RGBA) keep alpha here.
 */
function keepsAlpha(png: PngHeader | undefined): boolean {
  return png === undefined || png.colourType === 3 || png.colourType === 4 || png.colourType === 6;
}

async function decode8(bytes: Uint8Array, meta: Metadata, png: PngHeader | undefined): Promise<SourceImage> {
  // sharp always hands 8-bit images over as sRGB (grey replicated), with or without alpha.
  const { data, info } = await sharp(bytes, SHARP_OPTIONS).raw().toBuffer({ resolveWithObject: true });
  const grey = meta.space === 'b-w' || info.channels <= 2;
  const pick = channelPick(info.channels, grey, keepsAlpha(png));
  const image = {
    width: info.width,
    height: info.height,
    channels: pick.length as 1 | 2 | 3 | 4,
    data: pickChannels(data, info.channels, pick),
  };
  if (png?.colourType === 0 && png.bitDepth === 1) return { ...image, pilSource: { mode: '1' } };
  if (!(png ? png.colourType === 3 : meta.isPalette)) return image;
  const gif = isGif(bytes) ? gifFirstFrame(bytes) : undefined;
  if (gif?.transparent !== undefined && image.channels === 4)
    restoreTransparentColour(image.data, paletteColour(bytes, gif.palette, gif.transparent));
  const padColour = paletteColour(bytes, gif ? gif.palette : pngChunkOffset(bytes, 'PLTE'), 0);
  return { ...image, pilSource: { mode: 'P', padColour } };
}

function paletteColour(bytes: Uint8Array, palette: number | undefined, index: number): [number, number, number] {
  const at = palette === undefined ? bytes.length : palette + 3 * index;
  return at + 3 > bytes.length ? [0, 0, 0] : [bytes[at]!, bytes[at + 1]!, bytes[at + 2]!];
}

/**
 * libvips blanks the transparent GIF index to (0, 0, 0, 0); PIL keeps its palette colour, which
 * convert('RGB') shows. Only that index yields alpha 0 in a first frame.
 */
function restoreTransparentColour(rgba: Uint8Array, colour: readonly [number, number, number]): void {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] === 0) rgba.set(colour, i);
  }
}

function pngChunkOffset(bytes: Uint8Array, type: string): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = 8; at + 8 <= bytes.length; at += 12 + view.getUint32(at)) {
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === type) return at + 8;
  }
  return undefined;
}

function isGif(bytes: Uint8Array): boolean {
  return bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46;
}

interface GifFrame {
  /** Offset of the colour table PIL uses: the first frame's local one, else the global one. */
  readonly palette: number | undefined;
  readonly transparent: number | undefined;
}

function gifFirstFrame(bytes: Uint8Array): GifFrame {
  const tableSize = (flags: number): number => 3 << ((flags & 7) + 1);
  const global = bytes[10]! & 0x80 ? 13 : undefined;
  let at = 13 + (global === undefined ? 0 : tableSize(bytes[10]!));
  let transparent: number | undefined;
  while (bytes[at] === 0x21) {
    // Graphic control extension: 21 F9 04 <flags> <delay, 2 bytes> <transparent index> 00
    if (bytes[at + 1] === 0xf9 && bytes[at + 3]! & 1) transparent = bytes[at + 6];
    at += 2;
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at]! + 1;
    at++;
  }
  const local = bytes[at] === 0x2c && bytes[at + 9]! & 0x80 ? at + 10 : undefined;
  return { palette: local ?? global, transparent };
}

/** Indices of the sharp output bands to keep: the colour bands, then alpha if PIL keeps it. */
function channelPick(bands: number, grey: boolean, alphaAllowed: boolean): number[] {
  const colour = grey ? [0] : [0, 1, 2];
  const hasAlpha = bands === 2 || bands === 4;
  return hasAlpha && alphaAllowed ? [...colour, bands - 1] : colour;
}

function pickChannels(data: Uint8Array, bands: number, pick: readonly number[]): Uint8Array {
  if (pick.length === bands) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const pixels = data.length / bands;
  const out = new Uint8Array(pixels * pick.length);
  for (let p = 0, o = 0; p < pixels; p++) {
    for (const c of pick) out[o++] = data[p * bands + c]!;
  }
  return out;
}

/**
 * 16-bit PNGs (measured with Pillow 9.4): grey opens as mode 'I' (values 0..65535) and
 * convert('RGB'/'L') clips to 255 rather than scaling, so most of a full-range image turns white;
 * RGB, RGBA and LA keep the high byte of each sample (LA opens as RGBA with L replicated, which
 * preprocesses identically to the LA kept here).
 */
async function decode16(bytes: Uint8Array, space: 'grey16' | 'rgb16', png: PngHeader | undefined): Promise<SourceImage> {
  const { data, info } = await sharp(bytes, SHARP_OPTIONS)
    .pipelineColourspace(space)
    .toColourspace(space)
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const samples = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  const grey = space === 'grey16';
  const pick = channelPick(info.channels, grey, keepsAlpha(png));
  if (grey && pick.length === 1) return decodeGreyI(samples, info.width, info.height, info.channels);
  const out = new Uint8Array((samples.length / info.channels) * pick.length);
  for (let p = 0, o = 0; o < out.length; p += info.channels) {
    for (const c of pick) out[o++] = samples[p + c]! >> 8;
  }
  return { width: info.width, height: info.height, channels: pick.length as 1 | 2 | 3 | 4, data: out };
}

function decodeGreyI(samples: Uint16Array, width: number, height: number, bands: number): SourceImage {
  const grey = bands === 1 ? samples : samples.filter((_, i) => i % bands === 0);
  const data = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) data[i] = Math.min(grey[i]!, 255);
  return { width, height, channels: 1, data, pilSource: { mode: 'I', samples: grey } };
}

/**
 * PIL converts CMYK to RGB with its naive formula (no ICC), where sharp would use a CMYK profile;
 * the raw bands come out of sharp unconverted when the pipeline itself runs in CMYK.
 */
async function decodeCmyk(bytes: Uint8Array): Promise<SourceImage> {
  const { data, info } = await sharp(bytes, SHARP_OPTIONS)
    .pipelineColourspace('cmyk')
    .toColourspace('cmyk')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const cmyk = pickChannels(data, info.channels, [0, 1, 2, 3]);
  return { width: info.width, height: info.height, channels: 3, data: cmykToRgb(cmyk), pilSource: { mode: 'CMYK', samples: cmyk } };
}
