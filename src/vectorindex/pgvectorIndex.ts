import path from 'node:path';
import { maskPassword } from '../util/connectionUrl.js';
import { byScoreThenId, NoIndexError, fingerprintKey, mismatchMessage, FingerprintMismatchError, DEFAULT_HNSW } from './types.js';
import type { HnswSettings, IndexFingerprint, OpenIndexOptions, SearchHit, VectorIndex } from './types.js';

/** The little of a PostgreSQL client both backends need; `pg` and PGlite each fit it in a few lines. */
interface Sql {
  query<T>(text: string, params?: readonly unknown[]): Promise<{ rows: T[]; count: number }>;
  close(): Promise<void>;
}

/** One row per index in a database: the fingerprint and settings each table was made for. */
const CATALOG = 'clipbench_vector_indexes';

/** `pglite://<dir>` (a PGlite data folder; `pglite://memory` for none), e.g. for tests and laptops without PostgreSQL. */
export async function openPgliteIndex(target: string, options: OpenIndexOptions): Promise<VectorIndex> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite/vector');
  const dir = target.replace(/^pglite:\/\//i, '');
  const db = new PGlite({ dataDir: dir === '' || dir === 'memory' ? undefined : path.resolve(dir), extensions: { vector } });
  const sql: Sql = {
    query: async <T>(text: string, params: readonly unknown[] = []) => {
      const result = await db.query<T>(text, [...params]);
      return { rows: result.rows, count: result.affectedRows ?? 0 };
    },
    close: () => db.close(),
  };
  return openPgvector(sql, target, options);
}

/** `postgres://user:password@host/db`: any PostgreSQL where `CREATE EXTENSION vector` works. */
export async function openPostgresIndex(target: string, options: OpenIndexOptions): Promise<VectorIndex> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  const sql: Sql = {
    query: async <T>(text: string, params: readonly unknown[] = []) => {
      const result = await client.query(text, [...params]);
      return { rows: result.rows as T[], count: result.rowCount ?? 0 };
    },
    close: () => client.end(),
  };
  // The password stays out of every message.
  return openPgvector(sql, maskPassword(target), options);
}

interface CatalogRow {
  readonly name: string;
  readonly fingerprint: IndexFingerprint;
  readonly settings: HnswSettings & { exact: boolean; dimensions: number };
}

/**
 * A table per fingerprint (clipbench_<key>: id text primary key, embedding vector(d)) with an
 * HNSW index on cosine distance, unless built --exact; pgvector scans without that index are exact.
 */
async function openPgvector(sql: Sql, location: string, options: OpenIndexOptions): Promise<VectorIndex> {
  try {
    await sql.query('CREATE EXTENSION IF NOT EXISTS vector');
    await sql.query(`CREATE TABLE IF NOT EXISTS ${CATALOG} (name text PRIMARY KEY, fingerprint jsonb NOT NULL, settings jsonb NOT NULL)`);
    const table = `clipbench_${fingerprintKey(options.fingerprint)}`;
    const { rows } = await sql.query<CatalogRow>(`SELECT name, fingerprint, settings FROM ${CATALOG}`);
    const stored = rows.find((r) => r.name === table);
    if (stored !== undefined && fingerprintKey(stored.fingerprint) !== fingerprintKey(options.fingerprint)) {
      throw new FingerprintMismatchError(mismatchMessage(`${location} table ${table}`, stored.fingerprint, options.fingerprint));
    }
    if (stored === undefined && !options.create) {
      const others = rows.map((r) => `${r.fingerprint.model} (${r.fingerprint.dtype})`).join(', ');
      throw new NoIndexError(
        `${location} holds no index for ${options.fingerprint.model} (${options.fingerprint.dtype})` +
          `${others === '' ? '' : `; it has indexes for ${others}`}: build one with bench index build`,
      );
    }
    const settings = { ...DEFAULT_HNSW, exact: options.exact ?? false, dimensions: 0, ...stored?.settings, ...options.settings };
    return new PgvectorIndex(sql, location, table, options.fingerprint, settings, stored !== undefined);
  } catch (error) {
    await sql.close();
    throw error;
  }
}

class PgvectorIndex implements VectorIndex {
  constructor(
    private readonly sql: Sql,
    readonly location: string,
    private readonly table: string,
    readonly fingerprint: IndexFingerprint,
    private readonly settings: HnswSettings & { exact: boolean; dimensions: number },
    private created: boolean,
  ) {}

  /** The table and its index are made on the first add, when the dimension is known. */
  private async create(dimensions: number): Promise<void> {
    const { m, efConstruction, exact } = this.settings;
    await this.sql.query(`CREATE TABLE IF NOT EXISTS ${this.table} (id text PRIMARY KEY, embedding vector(${dimensions}) NOT NULL)`);
    if (!exact) {
      const hnsw = `USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`;
      await this.sql.query(`CREATE INDEX IF NOT EXISTS ${this.table}_hnsw ON ${this.table} ${hnsw}`);
    }
    await this.sql.query(`INSERT INTO ${CATALOG} (name, fingerprint, settings) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, [
      this.table,
      JSON.stringify(this.fingerprint),
      JSON.stringify({ ...this.settings, dimensions }),
    ]);
    this.created = true;
  }

  async add(ids: readonly string[], vectors: readonly Float32Array[]): Promise<number> {
    if (ids.length === 0) return 0;
    if (!this.created) await this.create(vectors[0]!.length);
    // Text arrays, cast per row: both clients send a string[] parameter the same way.
    const { count } = await this.sql.query(
      `INSERT INTO ${this.table} (id, embedding) SELECT id, v::vector FROM unnest($1::text[], $2::text[]) AS u(id, v) ON CONFLICT (id) DO NOTHING`,
      [ids, vectors.map(vectorLiteral)],
    );
    return count;
  }

  async known(ids: readonly string[]): Promise<Set<string>> {
    if (!this.created || ids.length === 0) return new Set();
    const { rows } = await this.sql.query<{ id: string }>(`SELECT id FROM ${this.table} WHERE id = ANY($1::text[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async search(query: Float32Array, k: number, options: { exact?: boolean } = {}): Promise<SearchHit[]> {
    if (!this.created) return [];
    // pgvector returns at most ef_search rows from the graph, so it is raised to k.
    await this.sql.query(`SET hnsw.ef_search = ${Math.max(this.settings.efSearch, k)}`);
    const exact = options.exact === true || this.settings.exact;
    // Without the index pgvector scans every row, which is exact; with it, the planner may still
    // pick a scan on a small table, so the graph is forced, and ties are broken here (an ORDER BY
    // with a second key cannot use the index at all).
    const planner = exact ? 'enable_indexscan' : 'enable_seqscan';
    await this.sql.query(`SET ${planner} = off`);
    try {
      const { rows } = await this.sql.query<{ id: string; score: number }>(
        `SELECT id, (1 - (embedding <=> $1::vector))::float8 AS score FROM ${this.table} ORDER BY embedding <=> $1::vector${exact ? ', id' : ''} LIMIT $2`,
        [vectorLiteral(query), k],
      );
      return rows.map((r) => ({ id: r.id, score: Number(r.score) })).sort(byScoreThenId);
    } finally {
      await this.sql.query(`RESET ${planner}`);
    }
  }

  async size(): Promise<number> {
    if (!this.created) return 0;
    const { rows } = await this.sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0]!.n);
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

/** pgvector's text form; a float32 printed by JS reads back as the same float32. */
function vectorLiteral(v: Float32Array): string {
  return `[${Array.from(v).join(',')}]`;
}
