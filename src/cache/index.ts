import path from 'node:path';
import { newOwnerId, openSqliteStore } from './sqliteStore.js';
import { ensureCacheDir, FILE_HASH_MEMO, STORE_FILE } from './location.js';
import type { CacheHold, CacheSession } from './cachedCompute.js';

export { cachedCompute, InterruptedError, type CacheHold, type CacheSession } from './cachedCompute.js';
export { defaultCacheDir, CACHE_DIR_ENV } from './location.js';
export type { EmbeddingStore, ModelStats, PruneFilter } from './types.js';

/** How long a claim on a batch holds before another run may take it over (dead owners on this host free theirs at once). */
const LEASE_MS = 5 * 60_000;

export interface OpenCacheOptions {
  readonly dir: string;
  /** false with --no-cache: nothing is looked up or stored. */
  readonly enabled: boolean;
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

/** Opens the embedding store in `dir` (SQLite today; any EmbeddingStore fits the session). */
export function openCache(options: OpenCacheOptions): OpenCache {
  const dir = ensureCacheDir(options.dir);
  const store = options.enabled ? openSqliteStore(path.join(dir, STORE_FILE), { onWarning: options.onWarning }) : null;
  return {
    session: { store, owner: newOwnerId(), leaseMs: LEASE_MS, signal: options.signal, hold: options.hold },
    fileHashMemo: path.join(dir, FILE_HASH_MEMO),
    close: async () => {
      await store?.close();
    },
  };
}

export function openStoreInDir(dir: string, onWarning?: (message: string) => void) {
  return openSqliteStore(path.join(ensureCacheDir(dir), STORE_FILE), { onWarning });
}
