import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isNotFound } from './fsutil.js';
import { readColumn, rowCount, withParquetFile, type KnownFooter } from './parquetFile.js';
import { InputError, type PackedImage } from './types.js';

type ParquetCell = Extract<PackedImage, { kind: 'parquet' }>;

/**
 * Rows are decoded a block at a time: a whole row group, or a slice of one whose image column
 * would decode to more than this (files written with pyarrow's defaults hold one huge group).
 */
const BLOCK_BYTES = 32 * 2 ** 20;
/** Per thread: items come in file order, so the block in use and the next one are all that help. */
const BLOCKS_KEPT = 2;
const FOOTERS_KEPT = 4;

interface Layout extends KnownFooter {
  /** First row of each block, ascending; a block ends where the next starts. */
  readonly starts: readonly number[];
  readonly rows: number;
}

const layouts = new Map<string, Promise<Layout>>();
const blocks = new Map<string, Promise<readonly unknown[]>>();

/** Thrown when the file changed between its stat and its read, so the read starts again. */
class FileChanged extends Error {}

/**
 * The encoded bytes of the image in one row. Decodes the image column of the row's block (see
 * BLOCK_BYTES) and keeps the last BLOCKS_KEPT blocks, so reading a file's rows in order decodes
 * each block once per thread (the main thread hashes, each preprocessing worker decodes): memory
 * stays at two blocks per thread, whatever the size of the file.
 */
export async function readParquetCell(source: ParquetCell): Promise<Uint8Array> {
  return imageBytes(await cellValue(source, true), source);
}

async function cellValue(source: ParquetCell, retry: boolean): Promise<unknown> {
  // Keyed by size and mtime too, so a file rewritten since is read afresh, never from the caches;
  // and by column, whose size sets the blocks.
  const file = `${source.container}\0${await fileVersion(source.container)}\0${source.column}`;
  const layout = await remember(layouts, file, FOOTERS_KEPT, () => readLayout(source.container, source.column));
  if (source.row < 0 || source.row >= layout.rows) {
    throw new InputError(`${cellName(source)}: the file has ${layout.rows} rows; it changed since the dataset was loaded, load it again`);
  }
  const block = blockIndex(layout.starts, source.row);
  const start = layout.starts[block]!;
  const end = layout.starts[block + 1] ?? layout.rows;
  try {
    const values = await remember(blocks, `${file}\0${start}`, BLOCKS_KEPT, () => decodeBlock(source, layout, start, end));
    return values[source.row - start];
  } catch (err) {
    if (err instanceof InputError) throw err;
    if (!(err instanceof FileChanged)) {
      const rows = `rows ${start} to ${end - 1}`;
      throw new InputError(`${cellName(source)}: cannot decode column "${source.column}" of ${rows} (${(err as Error).message}); the file is damaged`);
    }
    if (!retry) throw new InputError(`${cellName(source)}: the file keeps changing while it is read`);
    return cellValue(source, false);
  }
}

async function fileVersion(file: string): Promise<string> {
  try {
    const stats = await stat(file);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`${file} does not exist any more; it was there when the dataset was loaded`);
    throw err;
  }
}

function decodeBlock(source: ParquetCell, layout: Layout, start: number, end: number): Promise<readonly unknown[]> {
  return withParquetFile(
    source.container,
    (parquet) => {
      if (parquet.version !== layout.version) throw new FileChanged();
      return readColumn(parquet, source.column, start, end);
    },
    layout,
  );
}

function readLayout(file: string, column: string): Promise<Layout> {
  return withParquetFile(file, (parquet) => {
    const starts: number[] = [];
    let first = 0;
    for (const group of parquet.metadata.row_groups) {
      const rows = Number(group.num_rows);
      const bytes = group.columns
        .filter((c) => c.meta_data?.path_in_schema[0] === column)
        .reduce((sum, c) => sum + Number(c.meta_data?.total_uncompressed_size ?? 0), 0);
      const step = Math.ceil(rows / Math.max(1, Math.ceil(bytes / BLOCK_BYTES)));
      for (let row = 0; row < rows; row += step) starts.push(first + row);
      first += rows;
    }
    return Promise.resolve({ version: parquet.version, metadata: parquet.metadata, schema: parquet.schema, starts, rows: rowCount(parquet) });
  });
}

/** The last block starting at or before `row` (binary search). */
function blockIndex(starts: readonly number[], row: number): number {
  let [low, high] = [0, starts.length - 1];
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= row) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * A small least-recently-used map of promises, so concurrent readers of one block share one
 * decode. A rejection is not kept: the next reader tries again.
 */
function remember<T>(cache: Map<string, Promise<T>>, key: string, keep: number, make: () => Promise<T>): Promise<T> {
  let promise = cache.get(key);
  if (promise !== undefined) cache.delete(key);
  else {
    promise = make();
    const made = promise;
    made.catch(() => {
      if (cache.get(key) === made) cache.delete(key);
    });
  }
  cache.set(key, promise);
  for (const oldest of cache.keys()) {
    if (cache.size <= keep) break;
    cache.delete(oldest);
  }
  return promise;
}

/** A copy of the cell's bytes (so nothing holds the decoded block), or the file its path names. */
async function imageBytes(value: unknown, source: ParquetCell): Promise<Uint8Array> {
  if (value instanceof Uint8Array) return value.slice();
  const cell = typeof value === 'object' && value !== null ? (value as { bytes?: unknown; path?: unknown }) : {};
  if (cell.bytes instanceof Uint8Array) return cell.bytes.slice();
  const named = cell.path instanceof Uint8Array ? Buffer.from(cell.path).toString('utf8') : cell.path;
  if (typeof named !== 'string' || named === '') {
    throw new InputError(`${cellName(source)}: column "${source.column}" has neither image bytes nor a path in this row`);
  }
  const file = path.resolve(path.dirname(source.container), named);
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new InputError(
      `${cellName(source)}: column "${source.column}" has no image bytes in this row and its path ${file} cannot be read (${reason})`,
    );
  }
}

/** As packedName names it (packed.ts imports this module, so it is not imported from there). */
function cellName(source: ParquetCell): string {
  return `${source.container}#row ${source.row}`;
}
