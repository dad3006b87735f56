import { crc32 } from 'node:zlib';

export function vectorBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** crc32 over the blob and its dimension: catches torn writes and bit rot in a stored vector. */
export function vectorChecksum(blob: Uint8Array, dim: number): number {
  return crc32(blob, dim >>> 0);
}

/** Copies out of the blob so the vector is aligned and owns its memory. */
export function blobToVector(blob: Uint8Array): Float32Array {
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}
