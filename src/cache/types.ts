export type EmbeddingKind = 'image' | 'text';

/** One embedding to store. `model` is a readable label (id and dtype) for stats and pruning only. */
export interface CacheEntry {
  readonly key: string;
  readonly kind: EmbeddingKind;
  readonly model: string;
  readonly vector: Float32Array;
  /** Small per-entry facts that would otherwise need the model to recompute (bit 0: prompt was truncated). */
  readonly flags: number;
}

export interface CachedVector {
  readonly vector: Float32Array;
  readonly flags: number;
}

export interface ModelStats {
  readonly model: string;
  readonly kind: EmbeddingKind;
  readonly entries: number;
  readonly bytes: number;
}

export interface PruneFilter {
  /** Only entries whose model label starts with this id. */
  readonly model?: string;
  /** Only entries not used for this many days. */
  readonly olderThanDays?: number;
}

/**
 * Where embeddings live between runs. Keys are content hashes (see keys.ts), so a store never
 * needs to know what a key means. Every method is async so a server-backed store (PostgreSQL)
 * can implement the same interface; SQLite answers synchronously underneath.
 */
export interface EmbeddingStore {
  /** Human-readable location, for messages. */
  readonly location: string;
  /** Entries found for `keys`; a vector failing its checksum is left out (and so recomputed). */
  get(keys: readonly string[]): Promise<Map<string, CachedVector>>;
  /** Stores one batch atomically and releases the owner's claims on those keys. */
  put(entries: readonly CacheEntry[], owner: string): Promise<void>;
  /**
   * Claims the keys nobody holds and nobody has stored yet, for `leaseMs`; returns those claimed.
   * A claim keeps a concurrent run from computing the same batch; dead owners' claims lapse.
   */
  claim(keys: readonly string[], owner: string, leaseMs: number): Promise<string[]>;
  /** Extends every claim the owner holds to `leaseMs` from now: a live worker keeps its batches. */
  renew(owner: string, leaseMs: number): Promise<void>;
  /** Drops the owner's claims: on `keys` (e.g. items that failed), or all of them on a clean stop. */
  release(owner: string, keys?: readonly string[]): Promise<void>;
  /** Which of `keys` are stored, without reading their vectors. */
  has(keys: readonly string[]): Promise<Set<string>>;
  /** Every entry matching the filter's model, in key order, a page at a time (for copying between stores). */
  scan(filter: Pick<PruneFilter, 'model'>, pageSize: number): AsyncIterable<readonly CacheEntry[]>;
  stats(): Promise<ModelStats[]>;
  /** Deletes matching entries; returns how many. */
  prune(filter: PruneFilter): Promise<number>;
  /** Deletes every entry; returns how many. */
  clear(): Promise<number>;
  close(): Promise<void>;
}
