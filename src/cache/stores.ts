import path from 'node:path';
import { InputError } from '../errors.js';
import { maskPassword, schemeOf } from '../util/connectionUrl.js';
import { ensureCacheDir, STORE_FILE } from './location.js';
import type { EmbeddingStore } from './types.js';

export interface OpenStoreOptions {
  /** Told about a damaged local cache set aside, or a lost connection being retried. */
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Opens (creating if needed) the store at `target`: a folder for SQLite, or a URL with its scheme. */
export type StoreOpener = (target: string, options: OpenStoreOptions) => Promise<EmbeddingStore>;

/** A spec without a scheme is a folder: the local SQLite cache. */
const openLocal = async (): Promise<StoreOpener> => {
  const { openSqliteStore } = await import('./sqliteStore.js');
  return (dir, options) => Promise.resolve(openSqliteStore(path.join(ensureCacheDir(dir), STORE_FILE), options));
};

/**
 * Server stores by the scheme of `--store`; a store's module (and its driver) loads only when
 * used. A new store is one line here and a module implementing EmbeddingStore.
 */
const SERVER_STORES: Readonly<Record<string, () => Promise<StoreOpener>>> = {
  postgres: async () => (await import('./postgresStore.js')).openPostgresStore,
  postgresql: async () => (await import('./postgresStore.js')).openPostgresStore,
};

export async function openEmbeddingStore(spec: string, options: OpenStoreOptions = {}): Promise<EmbeddingStore> {
  const scheme = schemeOf(spec);
  const load = scheme === null ? openLocal : SERVER_STORES[scheme];
  if (load === undefined) {
    const known = Object.keys(SERVER_STORES).join('://, ');
    throw new InputError(`--store ${maskPassword(spec)}: unknown scheme ${scheme}:// (use a cache folder, or ${known}://)`);
  }
  return (await load())(spec, options);
}
