import { InputError } from '../errors.js';
import { sha256 } from '../util/hash.js';

/**
 * What decides the vectors an index holds, checked whenever an index is opened: the query is
 * embedded by the same model, and a vector from other weights, dtype or preprocessing lies in
 * another space, so its scores would be meaningless rather than merely worse.
 */
export interface IndexFingerprint {
  /** Readable model name (folder or hub id), for messages only: the same weights elsewhere match. */
  readonly model: string;
  readonly dtype: string;
  /** sha256 of the vision tower's ONNX file (images are indexed with it). */
  readonly visionWeights: string;
  /** sha256 of the text tower's ONNX file (text queries are embedded with it). */
  readonly textWeights: string;
  /** preprocessSignature of the model's image preprocessing (src/cache/keys.ts). */
  readonly preprocess: string;
}

/** 16 hex digits naming the index of one fingerprint (a file name, a table name). */
export function fingerprintKey(fp: IndexFingerprint): string {
  return sha256(JSON.stringify(['vectorindex/v1', fp.dtype, fp.visionWeights, fp.textWeights, fp.preprocess])).slice(0, 16);
}

/** HNSW settings (usearch: connectivity, expansion_add, expansion_search; pgvector: m, ef_construction, ef_search). */
export interface HnswSettings {
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
}

/** usearch's own defaults; recall@10 on the benchmark's 200k clustered vectors is in the README. */
/**
 * ef_construction 64 (pgvector's own default) builds 200k × 512 in 67 s on 2 cores where 128 took 228 s;
 * ef_search 128 then gives recall@10 0.991 there at 1.0 ms p95 (64: 0.979). See bench/vectorindex.mjs.
 */
export const DEFAULT_HNSW: HnswSettings = { m: 16, efConstruction: 64, efSearch: 128 };

export interface OpenIndexOptions {
  readonly fingerprint: IndexFingerprint;
  /** false: the index must already exist (search); true: created on the first add (build). */
  readonly create: boolean;
  /** Graph settings for a new index; efSearch also overrides a stored index's at search time. */
  readonly settings?: Partial<HnswSettings>;
  /** A new index without a graph: every search is brute force. */
  readonly exact?: boolean;
}

export interface SearchHit {
  readonly id: string;
  /** Cosine similarity of the query and the image. */
  readonly score: number;
}

export interface SearchOptions {
  /** Brute force over every stored vector instead of the graph. */
  readonly exact?: boolean;
}

/** Image embeddings by id, one backend behind it (see registry.ts). Vectors are L2-normalised by the caller. */
export interface VectorIndex {
  /** Where it lives, for messages. */
  readonly location: string;
  readonly fingerprint: IndexFingerprint;
  /** Adds the vectors whose ids are not in the index yet; returns how many were added. */
  add(ids: readonly string[], vectors: readonly Float32Array[]): Promise<number>;
  /** Which of `ids` the index already holds (so a build can skip them before embedding). */
  known(ids: readonly string[]): Promise<Set<string>>;
  /** At most k hits, best first; equal scores by id. */
  search(query: Float32Array, k: number, options?: SearchOptions): Promise<SearchHit[]>;
  size(): Promise<number>;
  /** Persists what was added (file backends write here) and frees the handle. */
  close(): Promise<void>;
}

/** An index made for other weights, dtype or preprocessing than the model now in use. */
export class FingerprintMismatchError extends InputError {
  override readonly name = 'FingerprintMismatchError';
}

export class NoIndexError extends InputError {
  override readonly name = 'NoIndexError';
}

export function mismatchMessage(location: string, stored: IndexFingerprint, wanted: IndexFingerprint): string {
  const what = (['dtype', 'visionWeights', 'textWeights', 'preprocess'] as const).filter((k) => stored[k] !== wanted[k]);
  return (
    `${location} was built for ${stored.model} (${stored.dtype}), not ${wanted.model} (${wanted.dtype}): ` +
    `${what.join(', ')} differ; search it with that model, or build another index for this one`
  );
}

/** Unit length, so that a dot product is the cosine similarity. */
export function normalized(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = norm === 0 ? 0 : v[i]! / norm;
  return out;
}

/** Best first; equal scores by id, so that every backend and the brute force agree on order. */
export function byScoreThenId(a: SearchHit, b: SearchHit): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Brute-force top k of `query` against row-major unit `vectors` (dot products in float64). */
export function exactTopK(ids: readonly string[], vectors: Float32Array, query: Float32Array, k: number): SearchHit[] {
  const dim = query.length;
  const hits: SearchHit[] = ids.map((id, row) => {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += vectors[row * dim + j]! * query[j]!;
    return { id, score: dot };
  });
  return hits.sort(byScoreThenId).slice(0, k);
}
