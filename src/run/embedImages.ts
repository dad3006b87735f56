import { readFile } from 'node:fs/promises';
import { cachedCompute, type CacheSession } from '../cache/cachedCompute.js';
import { imageKey } from '../cache/keys.js';
import { sha256 } from '../util/hash.js';
import { readPackedImage } from '../datasets/packed.js';
import type { ImageSource } from '../datasets/types.js';
import type { ClipModel } from '../model/clipModel.js';
import { PREPROCESS_ALGORITHM } from '../model/preprocess.js';
import { createPreprocessPool, type PreprocessPool } from '../model/preprocessPool.js';
import { createProgress, type Progress } from './progress.js';

export interface ItemError {
  /** The item id (path relative to the dataset root). */
  readonly item: string;
  readonly reason: string;
}

/** What embedding needs of a dataset item: classification items and retrieval images both fit. */
export interface ImageItem {
  readonly id: string;
  readonly source: ImageSource;
}

export interface ImageEmbeddings {
  /** Embedding per item index; undefined where the item failed. */
  readonly embeddings: (Float32Array | undefined)[];
  readonly errors: ItemError[];
  readonly fromCache: number;
  readonly computed: number;
}

/** Files are read this many at a time while hashing, to keep memory flat on any dataset size. */
const READ_CONCURRENCY = 16;

/** What a caller embedding the same items with several models shares between them. */
export interface EmbedImagesOptions {
  /** Preprocessing worker threads (default: the pool's own choice). */
  readonly workers?: number;
  /** contentHashes(items), when already computed. */
  readonly hashes?: readonly (string | Error)[];
  /** Decodes and preprocesses one item; replaces the worker pool (to reuse another model's result). */
  readonly preprocess?: (item: ImageItem) => Promise<Float32Array>;
  /** Where progress goes (default: a progress line of its own). */
  readonly progress?: Progress;
}

/**
 * Embeds every item, from the cache where its content was seen before. A bad image is recorded
 * in `errors` and skipped: one corrupt file must not sink a run of thousands.
 */
export async function embedImages(
  model: ClipModel,
  items: readonly ImageItem[],
  batchSize: number,
  session: CacheSession,
  options: EmbedImagesOptions = {},
): Promise<ImageEmbeddings> {
  const identity = await model.identity('vision');
  const hashes = options.hashes ?? (await contentHashes(items));
  const keys = hashes.map((h) => (h instanceof Error ? h : imageKey(h, identity, model.preprocess, PREPROCESS_ALGORITHM)));
  const keyed = items.flatMap((item, i) => (typeof keys[i] === 'string' ? [{ key: keys[i], item }] : []));
  const progress = options.progress ?? createProgress({ label: 'images', total: keyed.length });
  // Started on the first miss: a warm run never pays for the worker threads.
  let pool: PreprocessPool | undefined;
  const preprocess =
    options.preprocess ??
    ((item: ImageItem): Promise<Float32Array> => {
      pool ??= createPreprocessPool(options.workers);
      return pool.preprocess(item.source, model.preprocess);
    });
  const result = await cachedCompute({
    kind: 'image',
    model: `${identity.label}@${identity.dtype}`,
    items: keyed,
    batchSize,
    session,
    onProgress: (n) => progress.tick(n),
    onWaiting: (batches) => progress.waiting(batches),
    prepare: (batch) => Promise.all(batch.map((item) => preprocess(item).catch(asError))),
    compute: (pixels) => embedPrepared(model, pixels),
  }).finally(() => pool?.close());
  if (options.progress === undefined) progress.done();
  const errors: ItemError[] = [];
  const embeddings = items.map((item, i) => {
    const key = keys[i]!;
    const failure = key instanceof Error ? key : result.failures.get(key);
    if (failure) errors.push({ item: item.id, reason: failure.message });
    return typeof key === 'string' ? result.vectors.get(key)?.vector : undefined;
  });
  return { embeddings, errors, fromCache: result.hits, computed: result.computed };
}

/** Runs the images that decoded; the others keep their error. */
async function embedPrepared(
  model: ClipModel,
  pixels: readonly (Float32Array | Error)[],
): Promise<({ vector: Float32Array; flags: number } | Error)[]> {
  const vectors = await model.embedImages(pixels.filter((p): p is Float32Array => p instanceof Float32Array));
  let next = 0;
  return pixels.map((p) => (p instanceof Float32Array ? { vector: vectors[next++]!, flags: 0 } : p));
}

/**
 * sha256 of each item's bytes (file content, the bytes of a packed image, or the raw pixels of an
 * IDX record): the same image as a file, a tar member or a Parquet cell has the same hash.
 */
export async function contentHashes(items: readonly ImageItem[]): Promise<(string | Error)[]> {
  const out = new Array<string | Error>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await contentHash(items[i]!).catch((e: unknown) => asError(e));
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  return out;
}

async function contentHash(item: ImageItem): Promise<string> {
  if (item.source.kind === 'pixels') {
    const { width, height, channels, data } = item.source.image;
    return sha256(Buffer.concat([Buffer.from(`pixels:${width}x${height}x${channels}:`), data]));
  }
  if (item.source.kind !== 'file') return sha256(await readPackedImage(item.source));
  try {
    return sha256(await readFile(item.source.path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read image ${item.source.path}: ${code === 'ENOENT' ? 'no such file' : String(error)}`, { cause: error });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
