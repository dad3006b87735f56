import type { PackedImage } from './types.js';

/** The encoded bytes of an image in a Parquet file (implemented with the Parquet reader). */
export function readParquetCell(source: Extract<PackedImage, { kind: 'parquet' }>): Promise<Uint8Array> {
  return Promise.reject(new Error(`${source.container}: Parquet images are not readable yet`));
}
