import type Database from 'better-sqlite3';
import { dtypeLabelPattern } from './modelFilter.js';
import { ownerAlive } from './owner.js';
import { explainDamage, openSqliteFile } from './sqliteFile.js';
import { blobToVector, vectorBytes, vectorChecksum } from './checksum.js';
import type { CacheEntry, CachedVector, EmbeddingStore, ModelStats, PruneFilter } from './types.js';

/** SQLite's default limit on bound parameters is 32766; stay well below it. */
const CHUNK = 500;
const DAY_MS = 86_400_000;

interface Row {
  key: string;
  dim: number;
  vector: Buffer;
  checksum: number;
  flags: number;
}

export interface SqliteStoreOptions {
  /** Told when a damaged or foreign file was set aside and a new cache started. */
  readonly onWarning?: (message: string) => void;
}

/** Opens (creating if needed) the SQLite embedding store at `file`. */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): EmbeddingStore {
  const db = openSqliteFile(file, options.onWarning);
  return explainDamage(new SqliteStore(db, file), file);
}

class SqliteStore implements EmbeddingStore {
  private readonly insert: Database.Statement;
  private readonly dropClaim: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO embeddings (key, kind, model, dim, vector, checksum, flags, created_at, used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.dropClaim = db.prepare('DELETE FROM claims WHERE key = ? AND owner = ?');
  }

  async get(keys: readonly string[]): Promise<Map<string, CachedVector>> {
    const found = new Map<string, CachedVector>();
    const damaged: string[] = [];
    for (const chunk of chunks(keys)) {
      const rows = this.db
        .prepare(`SELECT key, dim, vector, checksum, flags FROM embeddings WHERE key IN (${marks(chunk)})`)
        .all(...chunk) as Row[];
      for (const row of rows) {
        if (intact(row)) {
          found.set(row.key, { vector: blobToVector(row.vector), flags: row.flags });
        } else {
          damaged.push(row.key);
        }
      }
    }
    this.forget(damaged);
    this.touch([...found.keys()]);
    return found;
  }

  async put(entries: readonly CacheEntry[], owner: string): Promise<void> {
    const now = Date.now();
    this.db
      .transaction(() => {
        for (const e of entries) {
          const blob = vectorBytes(e.vector);
          this.insert.run(e.key, e.kind, e.model, e.vector.length, blob, vectorChecksum(blob, e.vector.length), e.flags, now, now);
          this.dropClaim.run(e.key, owner);
        }
      })
      .immediate();
  }

  async claim(keys: readonly string[], owner: string, leaseMs: number): Promise<string[]> {
    const now = Date.now();
    const claimed: string[] = [];
    const stored = this.db.prepare('SELECT 1 FROM embeddings WHERE key = ?').pluck();
    const holder = this.db.prepare('SELECT owner, expires_at AS expiresAt FROM claims WHERE key = ?');
    const take = this.db.prepare('INSERT OR REPLACE INTO claims (key, owner, expires_at) VALUES (?, ?, ?)');
    this.db
      .transaction(() => {
        for (const key of keys) {
          if (stored.get(key) !== undefined) continue;
          const held = holder.get(key) as { owner: string; expiresAt: number } | undefined;
          if (held && held.owner !== owner && held.expiresAt > now && ownerAlive(held.owner)) continue;
          take.run(key, owner, now + leaseMs);
          claimed.push(key);
        }
      })
      .immediate();
    return claimed;
  }

  async renew(owner: string, leaseMs: number): Promise<void> {
    this.db.prepare('UPDATE claims SET expires_at = ? WHERE owner = ?').run(Date.now() + leaseMs, owner);
  }

  async has(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(keys)) {
      const rows = this.db
        .prepare(`SELECT key FROM embeddings WHERE key IN (${marks(chunk)})`)
        .pluck()
        .all(...chunk) as string[];
      rows.forEach((key) => found.add(key));
    }
    return found;
  }

  async *scan(filter: Pick<PruneFilter, 'model'>, pageSize: number): AsyncIterable<readonly CacheEntry[]> {
    const { byModel, params } = modelClause(filter);
    const page = this.db.prepare(
      `SELECT key, kind, model, dim, vector, checksum, flags FROM embeddings WHERE key > ? ${byModel} ORDER BY key LIMIT ?`,
    );
    for (let after = ''; ;) {
      const rows = page.all(after, ...params, pageSize) as (Row & Pick<CacheEntry, 'kind' | 'model'>)[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.key;
      yield rows.filter(intact).map((r) => ({ key: r.key, kind: r.kind, model: r.model, vector: blobToVector(r.vector), flags: r.flags }));
    }
  }

  async release(owner: string, keys?: readonly string[]): Promise<void> {
    if (keys === undefined) {
      this.db.prepare('DELETE FROM claims WHERE owner = ?').run(owner);
      return;
    }
    this.db
      .transaction(() => {
        for (const key of keys) this.dropClaim.run(key, owner);
      })
      .immediate();
  }

  async stats(): Promise<ModelStats[]> {
    return this.db
      .prepare(
        `SELECT model, kind, count(*) AS entries, sum(length(vector)) AS bytes
         FROM embeddings GROUP BY model, kind ORDER BY model, kind`,
      )
      .all() as ModelStats[];
  }

  async prune(filter: PruneFilter): Promise<number> {
    const cutoff = filter.olderThanDays === undefined ? Number.MAX_SAFE_INTEGER : Date.now() - filter.olderThanDays * DAY_MS;
    const { byModel, params } = modelClause(filter);
    return this.db.prepare(`DELETE FROM embeddings WHERE used_at < ? ${byModel}`).run(cutoff, ...params).changes;
  }

  async clear(): Promise<number> {
    const { changes } = this.db.prepare('DELETE FROM embeddings').run();
    this.db.prepare('DELETE FROM claims').run();
    return changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private forget(keys: readonly string[]): void {
    for (const chunk of chunks(keys)) this.db.prepare(`DELETE FROM embeddings WHERE key IN (${marks(chunk)})`).run(...chunk);
  }

  /** Marks entries as used, at most once a day each, so warm runs stay read-mostly. */
  private touch(keys: readonly string[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const chunk of chunks(keys)) {
        this.db
          .prepare(`UPDATE embeddings SET used_at = ? WHERE used_at < ? AND key IN (${marks(chunk)})`)
          .run(now, now - DAY_MS, ...chunk);
      }
    })();
  }
}

function intact(row: Row): boolean {
  return row.vector.byteLength === row.dim * 4 && vectorChecksum(row.vector, row.dim) === row.checksum;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function marks(items: readonly unknown[]): string {
  return items.map(() => '?').join(',');
}

/** A model label matches its id alone or `id@dtype`. */
function modelClause(filter: Pick<PruneFilter, 'model'>): { byModel: string; params: string[] } {
  if (filter.model === undefined) return { byModel: '', params: [] };
  return { byModel: "AND (model = ? OR model LIKE ? ESCAPE '\\')", params: [filter.model, dtypeLabelPattern(filter.model)] };
}
