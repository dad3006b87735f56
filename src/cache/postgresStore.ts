import type pg from 'pg';
import { InputError } from '../errors.js';
import { maskPassword } from '../util/connectionUrl.js';
import { blobToVector, vectorBytes, vectorChecksum } from './checksum.js';
import { dtypeLabelPattern } from './modelFilter.js';
import { Db } from './postgresDb.js';
import type { CacheEntry, CachedVector, EmbeddingStore, ModelStats, PruneFilter } from './types.js';

const SCHEMA_VERSION = 1;
/** Any fixed number: serializes schema creation when several workers start at the same moment. */
const SCHEMA_LOCK = 0x43426368;
/** Keys per statement: arrays this long keep each round trip well under a megabyte of ids. */
const PAGE = 5000;

/**
 * Tables carry a `clipbench_` prefix so the store can share a database with other things.
 * Times come from the server's clock (now()), so leases mean the same on machines whose clocks differ.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS clipbench_embeddings (
     key text PRIMARY KEY,
     kind text NOT NULL,
     model text NOT NULL,
     dim integer NOT NULL,
     vector bytea NOT NULL,
     checksum bigint NOT NULL,
     flags integer NOT NULL,
     computed_by text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     used_at timestamptz NOT NULL DEFAULT now()
   )`,
  'CREATE INDEX IF NOT EXISTS clipbench_embeddings_model ON clipbench_embeddings (model)',
  `CREATE TABLE IF NOT EXISTS clipbench_claims (
     key text PRIMARY KEY,
     owner text NOT NULL,
     expires_at timestamptz NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS clipbench_claims_owner ON clipbench_claims (owner)',
];

export interface PostgresStoreOptions {
  readonly onWarning?: (message: string) => void;
  /** How long to keep retrying a lost connection before the run stops (default 60 s). */
  readonly retryMs?: number;
  readonly signal?: AbortSignal;
}

interface Row {
  key: string;
  dim: number;
  vector: Buffer;
  checksum: string;
  flags: number;
}

/**
 * `postgres://user[:password]@host[:port]/db`: the embedding store on a PostgreSQL server that
 * several machines share. Credentials come from the URL or libpq's PG* variables and are masked
 * in `location`, the only form of the URL any message shows.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<EmbeddingStore> {
  const { default: pgModule } = await import('pg');
  const location = maskPassword(url);
  const pool = new pgModule.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000, application_name: 'clipbench' });
  // A server restart drops idle connections with an 'error' event; unheard, it would kill the process.
  pool.on('error', () => undefined);
  const db = new Db(pool, { location, retryMs: options.retryMs ?? 60_000, onWarning: options.onWarning, signal: options.signal });
  try {
    await db.transaction((client) => createSchema(client, location));
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(db, location);
}

/**
 * Checks the schema version and creates the tables only when they are missing or older: a worker
 * whose role may only read and write the tables (a DBA ran the first one) never issues DDL.
 */
async function createSchema(client: pg.PoolClient, location: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
  const version = await schemaVersion(client);
  if (version === SCHEMA_VERSION) return;
  if (version !== null && version > SCHEMA_VERSION) {
    throw new InputError(
      `${location} holds a ClipBench store of schema ${version}, written by a newer ClipBench (this one reads ${SCHEMA_VERSION}); ` +
        'upgrade ClipBench on this machine, or point --store at another database',
    );
  }
  await client.query('CREATE TABLE IF NOT EXISTS clipbench_meta (name text PRIMARY KEY, value text NOT NULL)');
  for (const statement of SCHEMA) await client.query(statement);
  await client.query("INSERT INTO clipbench_meta VALUES ('schema_version', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", [
    String(SCHEMA_VERSION),
  ]);
}

async function schemaVersion(client: pg.PoolClient): Promise<number | null> {
  const { rows: exists } = await client.query<{ found: boolean }>("SELECT to_regclass('clipbench_meta') IS NOT NULL AS found");
  if (!exists[0]!.found) return null;
  const { rows } = await client.query<{ value: string }>("SELECT value FROM clipbench_meta WHERE name = 'schema_version'");
  return rows.length === 0 ? null : Number(rows[0]!.value);
}

class PostgresStore implements EmbeddingStore {
  constructor(
    private readonly db: Db,
    readonly location: string,
  ) {}

  async get(keys: readonly string[]): Promise<Map<string, CachedVector>> {
    const found = new Map<string, CachedVector>();
    for (const page of pages(keys)) {
      const { rows } = await this.db.query<Row>(
        'SELECT key, dim, vector, checksum, flags FROM clipbench_embeddings WHERE key = ANY($1::text[])',
        [page],
      );
      const good = rows.filter(intact);
      good.forEach((r) => found.set(r.key, { vector: blobToVector(r.vector), flags: r.flags }));
      const damaged = rows.filter((r) => !intact(r)).map((r) => r.key);
      if (damaged.length > 0) await this.db.query('DELETE FROM clipbench_embeddings WHERE key = ANY($1::text[])', [damaged]);
      // Marks entries as used at most once a day each, so warm runs stay read-mostly; a waiting
      // worker's empty polls cost one round trip, not two.
      if (good.length > 0) {
        await this.db.query(
          "UPDATE clipbench_embeddings SET used_at = now() WHERE key = ANY($1::text[]) AND used_at < now() - interval '1 day'",
          [good.map((r) => r.key)],
        );
      }
    }
    return found;
  }

  async put(entries: readonly CacheEntry[], owner: string): Promise<void> {
    if (entries.length === 0) return;
    const blobs = entries.map((e) => vectorBytes(e.vector));
    await this.db.transaction(async (client) => {
      // First writer wins: a key is only ever computed twice if a lease lapsed under a live worker.
      await client.query(
        `INSERT INTO clipbench_embeddings (key, kind, model, dim, vector, checksum, flags, computed_by)
         SELECT e.*, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bytea[], $6::bigint[], $7::int[])
           AS e (key, kind, model, dim, vector, checksum, flags)
         ORDER BY e.key
         ON CONFLICT (key) DO NOTHING`,
        [
          entries.map((e) => e.key),
          entries.map((e) => e.kind),
          entries.map((e) => e.model),
          entries.map((e) => e.vector.length),
          blobs,
          blobs.map((b, i) => vectorChecksum(b, entries[i]!.vector.length)),
          entries.map((e) => e.flags),
          owner,
        ],
      );
      await client.query('DELETE FROM clipbench_claims WHERE owner = $1 AND key = ANY($2::text[])', [owner, entries.map((e) => e.key)]);
    });
  }

  /**
   * Takes over lapsed claims (and re-takes the owner's own), skipping rows another worker is
   * claiming this instant (SKIP LOCKED), then inserts claims on keys nobody holds or has stored.
   * The insert leaves out keys that already have a claim row, so it never waits on a row another
   * worker's takeover has locked, and inserts in key order, so two inserts of the same new keys
   * wait in one direction only: no deadlock between workers.
   */
  async claim(keys: readonly string[], owner: string, leaseMs: number): Promise<string[]> {
    return this.db.transaction(async (client) => {
      const params = [keys, owner, leaseMs];
      const retaken = await client.query<{ key: string }>(
        `UPDATE clipbench_claims c SET owner = $2, expires_at = now() + $3 * interval '1 millisecond'
         FROM (SELECT key FROM clipbench_claims
               WHERE key = ANY($1::text[]) AND (owner = $2 OR expires_at < now())
               FOR UPDATE SKIP LOCKED) free
         WHERE c.key = free.key AND NOT EXISTS (SELECT 1 FROM clipbench_embeddings e WHERE e.key = c.key)
         RETURNING c.key`,
        params,
      );
      const fresh = await client.query<{ key: string }>(
        `INSERT INTO clipbench_claims (key, owner, expires_at)
         SELECT k, $2, now() + $3 * interval '1 millisecond' FROM unnest($1::text[]) AS k
         WHERE NOT EXISTS (SELECT 1 FROM clipbench_embeddings e WHERE e.key = k)
           AND NOT EXISTS (SELECT 1 FROM clipbench_claims c WHERE c.key = k)
         ORDER BY k
         ON CONFLICT (key) DO NOTHING
         RETURNING key`,
        params,
      );
      // A claim taken while another worker's put was committing (our insert waited for its row)
      // was checked against the store before that put: this statement's fresh snapshot sees it.
      const stored = await client.query<{ key: string }>(
        `DELETE FROM clipbench_claims c WHERE c.owner = $2 AND c.key = ANY($1::text[])
           AND EXISTS (SELECT 1 FROM clipbench_embeddings e WHERE e.key = c.key)
         RETURNING c.key`,
        [keys, owner],
      );
      const late = new Set(stored.rows.map((r) => r.key));
      const mine = new Set([...retaken.rows, ...fresh.rows].map((r) => r.key).filter((k) => !late.has(k)));
      return keys.filter((k) => mine.has(k));
    });
  }

  async renew(owner: string, leaseMs: number): Promise<void> {
    await this.db.query("UPDATE clipbench_claims SET expires_at = now() + $2 * interval '1 millisecond' WHERE owner = $1", [
      owner,
      leaseMs,
    ]);
  }

  async release(owner: string, keys?: readonly string[]): Promise<void> {
    if (keys === undefined) await this.db.query('DELETE FROM clipbench_claims WHERE owner = $1', [owner]);
    else await this.db.query('DELETE FROM clipbench_claims WHERE owner = $1 AND key = ANY($2::text[])', [owner, keys]);
  }

  async has(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const page of pages(keys)) {
      const { rows } = await this.db.query<{ key: string }>('SELECT key FROM clipbench_embeddings WHERE key = ANY($1::text[])', [page]);
      rows.forEach((r) => found.add(r.key));
    }
    return found;
  }

  async *scan(filter: Pick<PruneFilter, 'model'>, pageSize: number): AsyncIterable<readonly CacheEntry[]> {
    const { byModel, params } = modelClause(filter, 3);
    for (let after = ''; ;) {
      const { rows } = await this.db.query<Row & Pick<CacheEntry, 'kind' | 'model'>>(
        `SELECT key, kind, model, dim, vector, checksum, flags FROM clipbench_embeddings
         WHERE key > $1 ${byModel} ORDER BY key LIMIT $2`,
        [after, pageSize, ...params],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.key;
      yield rows.filter(intact).map((r) => ({ key: r.key, kind: r.kind, model: r.model, vector: blobToVector(r.vector), flags: r.flags }));
    }
  }

  async stats(): Promise<ModelStats[]> {
    const { rows } = await this.db.query<{ model: string; kind: ModelStats['kind']; entries: string; bytes: string }>(
      `SELECT model, kind, count(*) AS entries, sum(octet_length(vector)) AS bytes
       FROM clipbench_embeddings GROUP BY model, kind ORDER BY model, kind`,
    );
    return rows.map((r) => ({ model: r.model, kind: r.kind, entries: Number(r.entries), bytes: Number(r.bytes) }));
  }

  async prune(filter: PruneFilter): Promise<number> {
    const { byModel, params } = modelClause(filter, 2);
    const days = filter.olderThanDays ?? null;
    const { rowCount } = await this.db.query(
      `DELETE FROM clipbench_embeddings WHERE ($1::float8 IS NULL OR used_at < now() - $1::float8 * interval '1 day') ${byModel}`,
      [days, ...params],
    );
    return rowCount ?? 0;
  }

  async clear(): Promise<number> {
    return this.db.transaction(async (client) => {
      const { rowCount } = await client.query('DELETE FROM clipbench_embeddings');
      await client.query('DELETE FROM clipbench_claims');
      return rowCount ?? 0;
    });
  }

  close(): Promise<void> {
    return this.db.end();
  }
}

function intact(row: Row): boolean {
  return row.vector.byteLength === row.dim * 4 && vectorChecksum(row.vector, row.dim) === Number(row.checksum);
}

/** A model label matches its id alone or `id@dtype`; `first` is the number of the first parameter. */
function modelClause(filter: Pick<PruneFilter, 'model'>, first: number): { byModel: string; params: string[] } {
  if (filter.model === undefined) return { byModel: '', params: [] };
  return {
    byModel: `AND (model = $${first} OR model LIKE $${first + 1} ESCAPE '\\')`,
    params: [filter.model, dtypeLabelPattern(filter.model)],
  };
}

function pages<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += PAGE) out.push(items.slice(i, i + PAGE));
  return out;
}
