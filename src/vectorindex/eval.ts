import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CacheSession } from '../cache/cachedCompute.js';
import type { RetrievalDataset } from '../datasets/types.js';
import type { ClipModel } from '../model/clipModel.js';
import { embedTexts } from '../run/embedTexts.js';
import { buildIndex, modelFingerprint } from './build.js';
import { openVectorIndex } from './registry.js';
import { normalized, type HnswSettings, type SearchHit } from './types.js';

export const DEFAULT_EVAL_EF = [8, 16, 32, 64, 128, 256] as const;

export interface EvalOptions {
  /** Where the index lives (built there if missing, images not in it added). */
  readonly spec: string;
  readonly efSearch: readonly number[];
  readonly k: number;
  readonly batchSize: number;
  /** m / efConstruction for a new index. */
  readonly settings?: Partial<HnswSettings>;
}

export interface EvalRow {
  readonly efSearch: number;
  /** |index top-k ∩ exact top-k| / k, averaged over the captions. */
  readonly recallVsExact: number;
  /** Share of captions whose own image is in the index's top k. */
  readonly imageRecall: number;
  /** imageRecall − the exact search's, in percentage points. */
  readonly deltaPoints: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

export interface IndexEval {
  readonly index: string;
  readonly k: number;
  readonly images: number;
  readonly captions: number;
  /** Images added by this eval's build (0 when the index already held them all). */
  readonly added: number;
  readonly buildSeconds: number;
  /** Bytes on disk of the graph and its vectors; null for a database. */
  readonly indexBytes: number | null;
  /** image_retrieval_recall@k of brute force over the index (what `bench run` reports for the same set). */
  readonly exactImageRecall: number;
  readonly rows: EvalRow[];
}

/** Builds (or extends) the index from the set's images, then queries it with every caption at each ef_search. */
export async function evaluateIndex(
  model: ClipModel,
  dataset: RetrievalDataset,
  session: CacheSession,
  options: EvalOptions,
): Promise<IndexEval> {
  const fingerprint = await modelFingerprint(model);
  const index = await openVectorIndex(options.spec, { fingerprint, create: true, settings: options.settings });
  const started = performance.now();
  let added: number;
  try {
    added = (await buildIndex(model, dataset.images, index, session, { batchSize: options.batchSize })).added;
  } finally {
    await index.close();
  }
  const buildSeconds = (performance.now() - started) / 1000;

  const opened = await openVectorIndex(options.spec, { fingerprint, create: false });
  const indexed = await opened.known(dataset.images.map((i) => i.id));
  const captions = dataset.captions.filter((c) => indexed.has(dataset.images[c.image]!.id));
  const texts = await embedTexts(
    model,
    captions.map((c) => c.text),
    options.batchSize,
    session,
  );
  const queries = captions.map((c) => normalized(texts.byText.get(c.text)!));
  const own = captions.map((c) => dataset.images[c.image]!.id);
  const { k } = options;
  let exact: SearchHit[][];
  try {
    exact = await Promise.all(queries.map((q) => opened.search(q, k, { exact: true })));
  } finally {
    await opened.close();
  }
  const hitShare = (found: readonly SearchHit[][]): number => mean(found.map((hits, q) => (hits.some((h) => h.id === own[q]) ? 1 : 0)));
  const exactImageRecall = hitShare(exact);

  const rows: EvalRow[] = [];
  for (const efSearch of options.efSearch) {
    const graph = await openVectorIndex(options.spec, { fingerprint, create: false, settings: { efSearch } });
    const times: number[] = [];
    const found: SearchHit[][] = [];
    try {
      for (const q of queries) {
        const t = performance.now();
        found.push(await graph.search(q, k));
        times.push(performance.now() - t);
      }
    } finally {
      await graph.close();
    }
    const overlap = found.map((hits, q) => {
      const truth = new Set(exact[q]!.map((h) => h.id));
      return hits.filter((h) => truth.has(h.id)).length / Math.max(1, truth.size);
    });
    const imageRecall = hitShare(found);
    rows.push({
      efSearch,
      recallVsExact: mean(overlap),
      imageRecall,
      deltaPoints: (imageRecall - exactImageRecall) * 100,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
    });
  }
  return {
    index: opened.location,
    k,
    images: indexed.size,
    captions: captions.length,
    added,
    buildSeconds,
    indexBytes: bytesOf(opened.location),
    exactImageRecall,
    rows,
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Nearest-rank percentile (the benchmark script's). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  return [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
}

/** A usearch index's graph and vector files; null where the location is not a file. */
function bytesOf(location: string): number | null {
  if (!location.endsWith('.usearch') || !existsSync(location)) return null;
  const vectors = location.replace(/\.usearch$/, '.f32');
  return statSync(location).size + (existsSync(vectors) ? statSync(vectors).size : 0);
}

/** The plain-text table `bench index eval` prints. */
export function formatEval(e: IndexEval): string {
  const pct = (x: number): string => (x * 100).toFixed(1);
  const mib = e.indexBytes === null ? 'n/a' : `${(e.indexBytes / 2 ** 20).toFixed(2)} MiB`;
  const head =
    `index ${e.index}: ${e.images} images, ${e.captions} caption queries, k=${e.k}\n` +
    `build ${e.buildSeconds.toFixed(1)}s (${e.added} added), size ${mib}; exact image recall@${e.k} ${pct(e.exactImageRecall)}%\n`;
  const cols = ['ef_search', `recall@${e.k} vs exact`, `image recall@${e.k}`, 'exact', 'Δ pts', 'p50 ms', 'p95 ms'];
  const lines = e.rows.map((r) => [
    String(r.efSearch),
    r.recallVsExact.toFixed(4),
    pct(r.imageRecall),
    pct(e.exactImageRecall),
    (r.deltaPoints >= 0 ? '+' : '') + r.deltaPoints.toFixed(1),
    r.p50Ms.toFixed(3),
    r.p95Ms.toFixed(3),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return `${head}${fmt(cols)}\n${lines.map(fmt).join('\n')}\n`;
}
