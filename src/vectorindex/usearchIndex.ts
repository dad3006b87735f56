import { existsSync, statSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { writeFileAtomically } from '../util/atomicWrite.js';
import {
  DEFAULT_HNSW,
  exactTopK,
  FingerprintMismatchError,
  fingerprintKey,
  mismatchMessage,
  NoIndexError,
  byScoreThenId,
  type HnswSettings,
  type IndexFingerprint,
  type OpenIndexOptions,
  type SearchHit,
  type VectorIndex,
} from './types.js';

/** Batches at least this large are inserted on every core (0 threads: usearch's all). */
const PARALLEL_ADD_FROM = 4096;

/** The sidecar beside `<name>.usearch`: the truth about what the index holds. */
interface Sidecar {
  readonly version: 1;
  readonly fingerprint: IndexFingerprint;
  readonly settings: HnswSettings;
  /** No graph: every search is brute force over `<name>.f32`. */
  readonly exact: boolean;
  readonly dimensions: number;
  /** usearch key i is ids[i]; row i of the .f32 file is its vector. */
  readonly ids: string[];
}

/**
 * usearch's HNSW graph (cosine) in `<name>.usearch`, the unit vectors in `<name>.f32` (usearch
 * cannot hand its vectors back, and --exact needs them), and a JSON sidecar written last: a crash
 * mid-build leaves the previous index whole, since every file is replaced by rename.
 * `target` is a .usearch file, or a folder that holds one index per fingerprint.
 */
export async function openUsearchIndex(target: string, options: OpenIndexOptions): Promise<VectorIndex> {
  const plain = target.replace(/^usearch:\/\//i, '');
  const file = plain.endsWith('.usearch') ? path.resolve(plain) : path.resolve(plain, `${fingerprintKey(options.fingerprint)}.usearch`);
  const files = { graph: file, vectors: file.replace(/\.usearch$/, '.f32'), sidecar: `${file}.json` };
  const stored = existsSync(files.sidecar) ? (JSON.parse(await readFile(files.sidecar, 'utf8')) as Sidecar) : null;
  if (stored !== null && fingerprintKey(stored.fingerprint) !== fingerprintKey(options.fingerprint)) {
    throw new FingerprintMismatchError(mismatchMessage(file, stored.fingerprint, options.fingerprint));
  }
  if (stored === null && !options.create) {
    throw new NoIndexError(
      `no index for ${options.fingerprint.model} (${options.fingerprint.dtype}) at ${file}: build one with bench index build`,
    );
  }
  const settings = { ...DEFAULT_HNSW, ...stored?.settings, ...options.settings };
  return new UsearchIndex(file, files, options.fingerprint, settings, stored, options.exact ?? false);
}

class UsearchIndex implements VectorIndex {
  private graph: Index | null = null;
  private readonly ids: string[];
  private readonly rows: Map<string, number>;
  private dimensions: number;
  private readonly exact: boolean;
  /** The .f32 copy that adds go to until close renames it into place. */
  private pending: string | null = null;
  private vectors: Float32Array | null = null;

  constructor(
    readonly location: string,
    private readonly files: { graph: string; vectors: string; sidecar: string },
    readonly fingerprint: IndexFingerprint,
    private readonly settings: HnswSettings,
    stored: Sidecar | null,
    exact: boolean,
  ) {
    this.ids = stored?.ids ?? [];
    this.rows = new Map(this.ids.map((id, i) => [id, i]));
    this.dimensions = stored?.dimensions ?? 0;
    this.exact = stored?.exact ?? exact;
    const vectorBytes = existsSync(files.vectors) ? statSync(files.vectors).size : 0;
    if (vectorBytes !== this.ids.length * this.dimensions * 4) {
      throw new Error(`${files.vectors} does not match ${files.sidecar} (a copy of one without the other?): rebuild the index`);
    }
    if (stored !== null && !this.exact) this.graph = this.newGraph();
    this.graph?.load(files.graph);
  }

  private newGraph(): Index {
    const { m, efConstruction, efSearch } = this.settings;
    return new Index({
      dimensions: this.dimensions,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: m,
      expansion_add: efConstruction,
      expansion_search: efSearch,
      multi: false,
    });
  }

  known(ids: readonly string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(ids.filter((id) => this.rows.has(id))));
  }

  async add(ids: readonly string[], vectors: readonly Float32Array[]): Promise<number> {
    const seen = new Set<string>();
    const fresh = ids.flatMap((id, i) => (this.rows.has(id) || seen.has(id) || !seen.add(id) ? [] : [i]));
    if (fresh.length === 0) return 0;
    this.dimensions ||= vectors[fresh[0]!]!.length;
    const matrix = new Float32Array(fresh.length * this.dimensions);
    fresh.forEach((i, row) => matrix.set(vectors[i]!, row * this.dimensions));
    const keys = BigUint64Array.from(fresh, (_, row) => BigInt(this.ids.length + row));
    if (!this.exact) {
      this.graph ??= this.newGraph();
      // Threads insert in a racy order, so the graph (and the recall it gives) changes run to run;
      // a small batch is inserted on one thread, the same graph every time, at no cost worth having.
      this.graph.add(keys, matrix, fresh.length < PARALLEL_ADD_FROM ? 1 : 0);
    }
    await this.appendVectors(matrix);
    for (const i of fresh) {
      this.rows.set(ids[i]!, this.ids.length);
      this.ids.push(ids[i]!);
    }
    return fresh.length;
  }

  private async appendVectors(matrix: Float32Array): Promise<void> {
    if (this.pending === null) {
      this.pending = `${this.files.vectors}.${process.pid}.tmp`;
      await mkdir(path.dirname(this.pending), { recursive: true });
      if (existsSync(this.files.vectors)) await copyFile(this.files.vectors, this.pending);
      else await rm(this.pending, { force: true });
    }
    await appendFile(this.pending, new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
    this.vectors = null;
  }

  async search(query: Float32Array, k: number, options: { exact?: boolean } = {}): Promise<SearchHit[]> {
    if (this.ids.length === 0) return [];
    if (options.exact === true || this.exact || this.graph === null) return exactTopK(this.ids, await this.allVectors(), query, k);
    const matches = this.graph.search(query, Math.min(k, this.ids.length), 0);
    const hits = Array.from(matches.keys, (key, i) => ({ id: this.ids[Number(key)]!, score: 1 - matches.distances[i]! }));
    return hits.sort(byScoreThenId);
  }

  private async allVectors(): Promise<Float32Array> {
    if (this.vectors === null) {
      const bytes = await readFile(this.pending ?? this.files.vectors);
      this.vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    }
    return this.vectors;
  }

  size(): Promise<number> {
    return Promise.resolve(this.ids.length);
  }

  async close(): Promise<void> {
    if (this.pending === null) return;
    if (this.graph !== null) {
      const temporary = `${this.files.graph}.${process.pid}.tmp`;
      this.graph.save(temporary);
      await rename(temporary, this.files.graph);
    }
    await rename(this.pending, this.files.vectors);
    this.pending = null;
    const sidecar: Sidecar = {
      version: 1,
      fingerprint: this.fingerprint,
      settings: this.settings,
      exact: this.exact,
      dimensions: this.dimensions,
      ids: this.ids,
    };
    await writeFileAtomically(this.files.sidecar, `${JSON.stringify(sidecar)}\n`);
  }
}
