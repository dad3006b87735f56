import type { CachedVector, EmbeddingKind, EmbeddingStore } from './types.js';

/** A run stopped on request (Ctrl-C) after storing its last finished batch. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(readonly kept: number) {
    super(`interrupted; ${kept} embedding(s) computed in this run are kept in the cache, so a rerun resumes from there`);
  }
}

export interface CacheSession {
  /** null with --no-cache: everything is computed, nothing stored. */
  readonly store: EmbeddingStore | null;
  /** Who holds claims, so concurrent runs split the work instead of doing it twice. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly signal?: AbortSignal;
}

export interface CachedComputeOptions<T> {
  readonly kind: EmbeddingKind;
  /** Readable model label for cache stats. */
  readonly model: string;
  /** Work items with their cache keys; items sharing a key are computed once. */
  readonly items: readonly { readonly key: string; readonly item: T }[];
  /** One result per item: a vector, or the error that makes this item unusable. */
  readonly compute: (batch: readonly T[]) => Promise<(CachedVector | Error)[]>;
  readonly batchSize: number;
  readonly session: CacheSession;
  readonly onProgress?: (done: number) => void;
}

export interface CachedComputeResult {
  readonly vectors: ReadonlyMap<string, CachedVector>;
  readonly failures: ReadonlyMap<string, Error>;
  readonly hits: number;
  readonly computed: number;
}

const POLL_MS = 200;

/**
 * Looks every key up, then computes the misses batch by batch, storing each batch as one
 * transaction: a crash loses at most the batch in flight. Keys another live run has claimed are
 * left to it and picked up from the store once it has written them.
 */
export async function cachedCompute<T>(options: CachedComputeOptions<T>): Promise<CachedComputeResult> {
  const { store, owner, leaseMs, signal } = options.session;
  const byKey = new Map(options.items.map((i) => [i.key, i.item]));
  const vectors = new Map(store ? await store.get([...byKey.keys()]) : []);
  const failures = new Map<string, Error>();
  const hits = vectors.size;
  let computed = 0;
  options.onProgress?.(hits);
  let queue = [...byKey.keys()].filter((k) => !vectors.has(k));
  let deferred: string[] = [];
  const claim = async (keys: string[]): Promise<string[]> => (store ? store.claim(keys, owner, leaseMs) : keys);

  while (queue.length > 0 || deferred.length > 0) {
    if (signal?.aborted) {
      await store?.release(owner);
      throw new InterruptedError(computed);
    }
    let mine: string[];
    if (queue.length > 0) {
      const window = queue.slice(0, options.batchSize);
      queue = queue.slice(options.batchSize);
      mine = await claim(window);
      deferred.push(...window.filter((k) => !mine.includes(k)));
    } else {
      const arrived = await store!.get(deferred);
      arrived.forEach((v, k) => vectors.set(k, v));
      options.onProgress?.(arrived.size);
      const left = deferred.filter((k) => !arrived.has(k));
      mine = await claim(left.slice(0, options.batchSize));
      deferred = left.filter((k) => !mine.includes(k));
      if (mine.length === 0) await sleep(POLL_MS);
    }
    if (mine.length === 0) continue;
    const results = await options.compute(mine.map((k) => byKey.get(k)!));
    const stored = mine.flatMap((key, i) => {
      const r = results[i]!;
      if (r instanceof Error) {
        failures.set(key, r);
        return [];
      }
      vectors.set(key, r);
      return [{ key, kind: options.kind, model: options.model, vector: r.vector, flags: r.flags }];
    });
    await store?.put(stored, owner);
    if (stored.length < mine.length) await store?.release(owner, [...failures.keys()].filter((k) => mine.includes(k)));
    computed += stored.length;
    options.onProgress?.(mine.length);
  }
  return { vectors, failures, hits, computed };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
