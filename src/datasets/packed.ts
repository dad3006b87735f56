import { open } from 'node:fs/promises';
import type { PackedImage } from './types.js';
import { readParquetCell } from './parquetCells.js';

/** One reader per kind of container: adding a container format adds an entry, not a branch. */
const READERS: { readonly [K in PackedImage['kind']]: (source: Extract<PackedImage, { kind: K }>) => Promise<Uint8Array> } = {
  tar: readTarMember,
  parquet: readParquetCell,
};

/** The encoded bytes of a packed image (what a decoder or a hash reads). */
export function readPackedImage(source: PackedImage): Promise<Uint8Array> {
  return (READERS[source.kind] as (s: PackedImage) => Promise<Uint8Array>)(source);
}

/** How errors and reports name a packed image: `<container>#<member or row>`. */
export function packedName(source: PackedImage): string {
  return source.kind === 'tar' ? `${source.container}#${source.member}` : `${source.container}#row ${source.row}`;
}

/** A tar member's data is a contiguous byte range of the (uncompressed) shard: one positional read. */
async function readTarMember(source: Extract<PackedImage, { kind: 'tar' }>): Promise<Uint8Array> {
  const handle = await open(source.container, 'r');
  try {
    const bytes = new Uint8Array(source.length);
    const { bytesRead } = await handle.read(bytes, 0, source.length, source.offset);
    if (bytesRead !== source.length) {
      throw new Error(`${packedName(source)}: the shard ends ${source.length - bytesRead} bytes into this member (truncated shard)`);
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
