import path from 'node:path';
import { DEFAULT_LEASE_SECONDS, ensureCacheDir, FILE_HASH_MEMO } from './location.js';
import { newOwnerId } from './owner.js';
import { openEmbeddingStore } from './stores.js';
import type { CacheHold, CacheSession } from './cachedCompute.js';

export { cachedCompute, InterruptedError, type CacheHold, type CacheSession } from './cachedCompute.js';
export { defaultCacheDir, defaultStore, CACHE_DIR_ENV, DEFAULT_LEASE_SECONDS, LEASE_ENV, STORE_ENV } from './location.js';
export { newOwnerId } from './owner.js';
export { openEmbeddingStore, type OpenStoreOptions } from './stores.js';
export { copyEntries, type CopyResult } from './copy.js';
export type { EmbeddingStore, ModelStats, PruneFilter } from './types.js';

export interface OpenCacheOptions {
  /** Local folder: the file-hash memo, and the SQLite store unless `store` names another. */
  readonly dir: string;
  /** Where embeddings live: null for SQLite in `dir`, or a store spec (folder or postgres:// URL). */
  readonly store?: string | null;
  /** false with --no-cache: nothing is looked up or stored. */
  readonly enabled: boolean;
  readonly leaseSeconds?: number;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
  /** Stop at a known point of the run (a testing aid: CLIPBENCH_HOLD_AFTER_BATCHES). */
  readonly hold?: CacheHold;
}

export interface OpenCache {
  readonly session: CacheSession;
  /** Where ONNX file hashes are remembered between runs. */
  readonly fileHashMemo: string;
  close(): Promise<void>;
}

/** Opens the embedding store (any EmbeddingStore fits the session) and the local cache folder. */
export async function openCache(options: OpenCacheOptions): Promise<OpenCache> {
  const dir = ensureCacheDir(options.dir);
  const spec = options.store ?? dir;
  const store = options.enabled ? await openEmbeddingStore(spec, { onWarning: options.onWarning, signal: options.signal }) : null;
  const leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  return {
    session: { store, owner: newOwnerId(), leaseMs, signal: options.signal, hold: options.hold },
    fileHashMemo: path.join(dir, FILE_HASH_MEMO),
    close: async () => {
      await store?.close();
    },
  };
}
