/*
 * Which files may reach sharp at all. The reference pipeline opens raster images only, and sharp's
 * SVG loader would render (and fetch what an SVG references), so files are sniffed first.
 */

/** A file the reference pipeline (PIL) would not open as a raster image; the message says why. */
export class NotRaster extends Error {
  override readonly name: string = 'NotRaster';
}

/**
 * Leading bytes of what sharp may decode from a buffer, SVG aside: JPEG, PNG, GIF, TIFF (and
 * BigTIFF), WebP, HEIF/AVIF (`ftyp` box). libvips picks its loader by sniffing too, and its SVG
 * loader takes anything with "<svg" near the start, so only these reach sharp at all: an SVG (or
 * whatever it references) is never parsed, fetched or rendered.
 */
const RASTER_SIGNATURES: readonly (readonly SignaturePart[])[] = [
  [[0, [0xff, 0xd8]]],
  [[0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]],
  [[0, ascii('GIF8')]],
  [[0, ascii('II*\0')]],
  [[0, ascii('MM\0*')]],
  [[0, ascii('II+\0')]],
  [[0, ascii('MM\0+')]],
  [
    [0, ascii('RIFF')],
    [8, ascii('WEBP')],
  ],
  [[4, ascii('ftyp')]],
];

/** Bytes expected at an offset. */
type SignaturePart = readonly [number, readonly number[]];

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

export function hasRasterSignature(bytes: Uint8Array): boolean {
  return RASTER_SIGNATURES.some((parts) => parts.every(([at, expected]) => startsWith(bytes, at, expected)));
}

function startsWith(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return bytes.length >= at + expected.length && expected.every((b, i) => bytes[at + i] === b);
}

/** "<svg" (any case) in the first 1000 bytes is libvips' SVG test; PDF readers look for "%PDF" in the first 1024. */
export function notRasterReason(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (/<svg/i.test(head.slice(0, 1000))) return vectorReason('SVG');
  if (head.includes('%PDF')) return vectorReason('PDF');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return 'it is gzip-compressed (a .svgz SVG or a .gz archive), which the reference pipeline (PIL) cannot open; decompress it, and convert an SVG to PNG first';
  }
  return 'not a supported image format (is the file corrupt or not an image?)';
}

export function vectorReason(format: 'SVG' | 'PDF'): string {
  return `${format} is a vector format, which the reference pipeline (PIL) cannot open; convert it to PNG first`;
}
