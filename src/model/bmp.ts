import type { PilSource, SourceImage } from './decode.js';
import {
  checkSize,
  greyRamp,
  paletteRawMode,
  pixelLayout,
  pixelStart,
  readHeader,
  readPalette,
  type Header,
  type Mode,
  type Palette,
} from './bmpHeader.js';
import { readRle, readRows } from './bmpPixels.js';

/*
 * BMP decoding as Pillow 9.4's BmpImagePlugin does it, because libvips (sharp) has no BMP loader and
 * the npm decoders differ from PIL where it matters here (palette images kept as palette images,
 * 16-bit scaling, bitfield layouts, RLE quirks, what is refused). Each rule below is PIL's, measured
 * against the files of tools/reference/make_bmp_goldens.py, including its oddities: a file PIL opens
 * decodes to PIL's pixels, a file PIL refuses is refused.
 *
 * bmpHeader.ts reads the headers and the palette and decides the modes; bmpPixels.ts decodes the
 * pixel data (uncompressed rows, RLE8/RLE4); this file ties them together.
 */

export { BmpError } from './bmpHeader.js';

export function isBmp(bytes: Uint8Array): boolean {
  return bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM": PIL's only test before parsing
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
