import { open, type FileHandle } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type Compressors, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { isNotFound } from './fsutil.js';
import { InputError } from './types.js';

/**
 * Every codec Parquet writers use. hyparquet alone reads only uncompressed and snappy pages;
 * hyparquet-compressors adds zstd (which Node 20's zlib lacks), LZ4 and a WebAssembly snappy
 * about twice as fast as hyparquet's own. Node's native zlib does gzip and brotli faster than JS.
 */
const COMPRESSORS: Compressors = {
  ...compressors,
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};

const MAGIC = 'PAR1';

/** An open Parquet file: its footer is parsed, its pages are read on demand by positional reads. */
export interface ParquetFile {
  readonly path: string;
  readonly metadata: FileMetaData;
  readonly schema: SchemaTree;
  /** Identifies this version of the file, so a reader can tell the file was rewritten since. */
  readonly version: string;
  readonly buffer: AsyncBuffer;
}

/** A footer already parsed, reused while the file's size and mtime are unchanged. */
export type KnownFooter = Pick<ParquetFile, 'version' | 'metadata' | 'schema'>;

/** Opens `file`, checks it is Parquet and parses its footer (unless `known` still holds); the handle is closed when `use` settles. */
export async function withParquetFile<T>(file: string, use: (parquet: ParquetFile) => Promise<T>, known?: KnownFooter): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`${file} does not exist; check the Parquet path`);
    throw err;
  }
  try {
    const stats = await handle.stat();
    const buffer = handleBuffer(handle, stats.size, file);
    const version = `${stats.size}:${stats.mtimeMs}`;
    if (known?.version === version) return await use({ ...known, path: file, buffer });
    await checkMagic(buffer, file);
    const metadata = await parquetMetadataAsync(buffer).catch((err: unknown) => {
      throw new InputError(`${file}: cannot read the Parquet footer (${(err as Error).message}); the file is damaged or truncated`);
    });
    const parquet = { path: file, metadata, schema: parquetSchema(metadata), version, buffer };
    return await use(parquet);
  } finally {
    await handle.close();
  }
}

/** The names of the file's top-level columns, in schema order. */
export function columnNames(parquet: ParquetFile): string[] {
  return parquet.schema.children.map((c) => c.element.name);
}

export function topColumn(parquet: ParquetFile, name: string): SchemaTree | undefined {
  return parquet.schema.children.find((c) => c.element.name === name);
}

/**
 * The values of one top-level column for rows [rowStart, rowEnd): structs come assembled as
 * objects, unannotated binary as Uint8Array. Only that column's pages are fetched; with the
 * file's offset index (page index), only the pages that hold those rows.
 */
export async function readColumn(parquet: ParquetFile, column: string, rowStart = 0, rowEnd = rowCount(parquet)): Promise<unknown[]> {
  const values = new Array<unknown>(rowEnd - rowStart);
  await parquetRead({
    file: parquet.buffer,
    metadata: parquet.metadata,
    columns: [column],
    rowStart,
    rowEnd,
    utf8: false,
    compressors: COMPRESSORS,
    useOffsetIndex: true,
    // Chunks, not onComplete's rows: a million labels should not become a million one-cell arrays.
    onChunk: (chunk) => {
      if (chunk.columnName !== column) return;
      const data: ArrayLike<unknown> = chunk.columnData;
      const from = Math.max(rowStart, chunk.rowStart);
      const to = Math.min(rowEnd, chunk.rowEnd);
      for (let row = from; row < to; row++) values[row - rowStart] = data[row - chunk.rowStart];
    },
  });
  return values;
}

export function rowCount(parquet: ParquetFile): number {
  return Number(parquet.metadata.num_rows);
}

/** A FileHandle as hyparquet's AsyncBuffer: each slice is one positional read, nothing else is kept. */
function handleBuffer(handle: FileHandle, size: number, file: string): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(Math.max(0, end - start));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) throw new Error(`${file} ends at byte ${start + done}, before the ${bytes.length} bytes its footer points to`);
        done += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

async function checkMagic(buffer: AsyncBuffer, file: string): Promise<void> {
  const text = (bytes: ArrayBuffer): string => Buffer.from(bytes).toString('latin1');
  const size = buffer.byteLength;
  const head = size >= 12 ? text(await buffer.slice(0, 4)) : '';
  const tail = size >= 12 ? text(await buffer.slice(size - 4, size)) : '';
  if (head === MAGIC && tail === MAGIC) return;
  if (head === MAGIC || tail === MAGIC) {
    throw new InputError(`${file}: starts or ends like Parquet but not both, so it is truncated or damaged; fetch it again`);
  }
  throw new InputError(`${file} is not a Parquet file (it does not begin and end with "${MAGIC}"); give .parquet files only`);
}
