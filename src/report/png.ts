import { deflateSync } from 'node:zlib';
import type { DecodedImage } from '../model/types.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG colour type per channel count: grey, grey + alpha, RGB, RGBA. */
const COLOUR_TYPE: Readonly<Record<DecodedImage['channels'], number>> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * An 8-bit image as a PNG, exactly (no filter, zlib level 9). For the gallery's in-memory images
 * that need no resizing (IDX digits), where importing sharp (~0.15 s) and a libvips pipeline per
 * image cost far more than the encoding itself.
 */
export function encodePng(image: DecodedImage): Buffer {
  const { width, height, channels, data } = image;
  const stride = width * channels;
  if (data.length < stride * height)
    throw new Error(`image data holds ${data.length} bytes, ${width}×${height}×${channels} needs ${stride * height}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample; compression, filter and interlace stay 0
  header[9] = COLOUR_TYPE[channels];
  // Each row starts with its filter type, 0 (none): at this size adaptive filtering gains nothing.
  const rows = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) rows.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

let table: Uint32Array | undefined;

/** CRC-32 as PNG defines it; zlib.crc32 only exists from Node 20.15 and the package allows any 20. */
function crc32(bytes: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
