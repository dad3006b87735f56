import { InputError } from '../errors.js';
import { schemeOf } from '../util/connectionUrl.js';
import type { OpenIndexOptions, VectorIndex } from './types.js';

/** Opens (or creates) the index at `target`: the spec with its scheme, or a path for the file backend. */
export type IndexOpener = (target: string, options: OpenIndexOptions) => Promise<VectorIndex>;

/**
 * Backends by the scheme of `--index`; each module loads only when its scheme is used, so a
 * usearch search never loads the PostgreSQL client or PGlite's 10 MB of WASM. A new backend is
 * one line here and a module exporting an IndexOpener.
 */
const BACKENDS: Readonly<Record<string, () => Promise<IndexOpener>>> = {
  usearch: async () => (await import('./usearchIndex.js')).openUsearchIndex,
  pglite: async () => (await import('./pgvectorIndex.js')).openPgliteIndex,
  postgres: async () => (await import('./pgvectorIndex.js')).openPostgresIndex,
  postgresql: async () => (await import('./pgvectorIndex.js')).openPostgresIndex,
};

/** A spec without a scheme is a path: the embedded usearch file backend. */
const DEFAULT_SCHEME = 'usearch';

export async function openVectorIndex(spec: string, options: OpenIndexOptions): Promise<VectorIndex> {
  const scheme = schemeOf(spec) ?? DEFAULT_SCHEME;
  const load = BACKENDS[scheme];
  if (load === undefined) {
    throw new InputError(`--index ${spec}: unknown scheme ${scheme}:// (use a path, ${Object.keys(BACKENDS).join('://, ')}://)`);
  }
  return (await load())(spec, options);
}
