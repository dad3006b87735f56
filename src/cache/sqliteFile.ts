import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import type { EmbeddingStore } from './types.js';

/** 'CBch': marks the file as ClipBench's, so a foreign SQLite file is never used as a cache. */
const APPLICATION_ID = 0x43426368;
const SCHEMA_VERSION = 1;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    checksum INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS embeddings_model ON embeddings(model);
  CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS claims_owner ON claims(owner);
`;

/**
 * Opens the cache file, checking it is ClipBench's and of a schema this version reads; a damaged
 * or foreign file is set aside (with a warning) and a new one started.
 */
export function openSqliteFile(file: string, onWarning?: (message: string) => void): Database.Database {
  try {
    return openChecked(file);
  } catch (error) {
    if (!(error instanceof DamagedCacheError)) throw error;
    const aside = setAside(file);
    onWarning?.(`${error.message}; moved it to ${aside} and started a new cache`);
    return openChecked(file);
  }
}

/** Damage found after opening (a page gone bad mid-run) stops the run with the fix, never a wrong number. */
export function explainDamage(store: EmbeddingStore, file: string): EmbeddingStore {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'SQLITE_CORRUPT' && code !== 'SQLITE_NOTADB') throw error;
        throw new Error(`the embedding cache ${file} is damaged (${code}); delete it (and its -wal/-shm files) and run again`, {
          cause: error,
        });
      }
    };
  return {
    location: store.location,
    get: wrap(store.get.bind(store)),
    put: wrap(store.put.bind(store)),
    claim: wrap(store.claim.bind(store)),
    renew: wrap(store.renew.bind(store)),
    release: wrap(store.release.bind(store)),
    has: wrap(store.has.bind(store)),
    scan: (filter, pageSize) => store.scan(filter, pageSize),
    stats: wrap(store.stats.bind(store)),
    prune: wrap(store.prune.bind(store)),
    clear: wrap(store.clear.bind(store)),
    close: wrap(store.close.bind(store)),
  };
}

class DamagedCacheError extends Error {}

function openChecked(file: string): Database.Database {
  const db = new Database(file, { timeout: 60_000 });
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a committed batch survives power loss, at the price of one fsync per batch.
    db.pragma('synchronous = FULL');
    checkIdentity(db, file);
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw new DamagedCacheError(`${file} is not a readable SQLite file (${code})`);
    throw error;
  }
}

function checkIdentity(db: Database.Database, file: string): void {
  db.transaction(() => {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (appId === 0 && tables === 0) {
      db.exec(SCHEMA);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return;
    }
    if (appId !== APPLICATION_ID) throw new DamagedCacheError(`${file} is a SQLite file that ClipBench did not write`);
    if (version > SCHEMA_VERSION) {
      throw new InputError(
        `${file} was written by a newer ClipBench (cache schema ${version}, this one reads ${SCHEMA_VERSION}); ` +
          'upgrade ClipBench, or point --cache-dir elsewhere',
      );
    }
  }).immediate();
}

function setAside(file: string): string {
  const aside = `${file}.damaged-${Date.now()}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  return aside;
}
