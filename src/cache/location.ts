import { mkdirSync } from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import { InputError } from '../errors.js';

export const CACHE_DIR_ENV = 'CLIPBENCH_CACHE_DIR';
export const STORE_FILE = 'embeddings.sqlite';
export const FILE_HASH_MEMO = 'file-hashes.json';

/** --cache-dir, else $CLIPBENCH_CACHE_DIR, else the platform's user cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[CACHE_DIR_ENV] || envPaths('clipbench', { suffix: '' }).cache;
}

export function ensureCacheDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return path.resolve(dir);
}

export const STORE_ENV = 'CLIPBENCH_STORE';

/** --store, else $CLIPBENCH_STORE, else null: the SQLite store in the cache folder. */
export function defaultStore(env: NodeJS.ProcessEnv = process.env): string | null {
  return env[STORE_ENV] || null;
}

export const LEASE_ENV = 'CLIPBENCH_LEASE_SECONDS';
/** How long a claim on a batch holds unless renewed: a worker that died frees its batches after this. */
export const DEFAULT_LEASE_SECONDS = 120;

/** --lease-seconds, else $CLIPBENCH_LEASE_SECONDS, else 120. */
export function defaultLeaseSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[LEASE_ENV];
  if (value === undefined || value === '') return DEFAULT_LEASE_SECONDS;
  const seconds = Number(value);
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new InputError(`${LEASE_ENV} must be a positive whole number of seconds, got "${value}"`);
  return seconds;
}
