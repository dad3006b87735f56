import { mkdirSync } from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';

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
