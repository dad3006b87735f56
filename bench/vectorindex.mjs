// Vector index benchmark (issue #18): build time, index size, p50/p95 query time and recall@10
// against exact search, on seeded clustered random vectors (unit length, like CLIP embeddings).
//   node bench/vectorindex.mjs [--n 200000] [--pg-n 10000] [--queries 500] [--ef-construction 64[,128,…]]
// --ef-construction takes a list: one build per value (usearch expansion_add); --pg-n 0 skips pgvector.
// Needs `npm run build` (the pgvector part uses dist/). Single-query timings use one thread.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Index, MetricKind, ScalarKind, exactSearch } from 'usearch';
import { openVectorIndex } from '../dist/vectorindex/registry.js';
import { DEFAULT_HNSW } from '../dist/vectorindex/types.js';

const { values } = parseArgs({
  options: { n: { type: 'string' }, 'pg-n': { type: 'string' }, queries: { type: 'string' }, 'ef-construction': { type: 'string' } },
});
const EF_CONSTRUCTION = (values['ef-construction'] ?? '64').split(',').map(Number);
const N = Number(values.n ?? 200_000);
const PG_N = Number(values['pg-n'] ?? 10_000);
const QUERIES = Number(values.queries ?? 500);
const DIM = 512;
const CLUSTERS = 1000;
const K = 10;

/** mulberry32 and Box-Muller: the same vectors on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** Unit vectors around 1,000 Gaussian centres; a member's cosine to its centre is about 0.86. */
function clustered(count, seed) {
  const gauss = rng(seed);
  const centres = new Float32Array(CLUSTERS * DIM).map(() => gauss());
  const out = new Float32Array(count * DIM);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(Math.abs(gauss() * 1e6)) % CLUSTERS;
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const x = centres[c * DIM + j] + 0.6 * gauss();
      out[i * DIM + j] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < DIM; j++) out[i * DIM + j] /= norm;
  }
  return out;
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const row = (v, i) => v.subarray(i * DIM, (i + 1) * DIM);
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const recallOf = (found, truth) => found.reduce((n, f, q) => n + f.filter((id) => truth[q].has(id)).length, 0) / (found.length * K);

function truthOf(data, queries, count) {
  const m = exactSearch(data, queries, DIM, K, MetricKind.Cos, 0);
  return Array.from({ length: count }, (_, q) => new Set(Array.from(m.keys.subarray(q * K, (q + 1) * K), Number)));
}

const dir = mkdtempSync(path.join(tmpdir(), 'vectorindex-bench-'));
try {
  console.log(`usearch 2.25: ${N} x ${DIM} vectors in ${CLUSTERS} clusters, ${QUERIES} queries, k=${K}`);
  let t = process.hrtime.bigint();
  // Queries come from the same clusters as the data (drawn after it, and not indexed).
  const all = clustered(N + QUERIES, 1);
  const data = all.subarray(0, N * DIM);
  const queries = all.slice(N * DIM);
  console.log(`  data generated in ${(ms(t) / 1000).toFixed(1)}s`);
  t = process.hrtime.bigint();
  const truth = truthOf(data, queries, QUERIES);
  console.log(`  exact ground truth (usearch exactSearch, all threads): ${(ms(t) / 1000).toFixed(1)}s`);
  const config = (efConstruction, efSearch) => ({
    dimensions: DIM,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: 16,
    expansion_add: efConstruction,
    expansion_search: efSearch,
    multi: false,
  });
  for (const efc of EF_CONSTRUCTION) {
    const built = new Index(config(efc, 64));
    t = process.hrtime.bigint();
    built.add(
      BigUint64Array.from({ length: N }, (_, i) => BigInt(i)),
      data,
      0,
    );
    const buildS = ms(t) / 1000;
    const file = path.join(dir, `bench-${efc}.usearch`);
    built.save(file);
    console.log(
      `  build (connectivity 16, expansion_add ${efc}, all threads): ${buildS.toFixed(1)}s; index file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB (+ ${((N * DIM * 4) / 2 ** 20).toFixed(0)} MiB .f32 vectors for --exact)`,
    );
    for (const ef of [16, 32, 64, 128, 256]) {
      const index = new Index(config(efc, ef));
      index.view(file);
      const times = [];
      const found = [];
      for (let q = 0; q < QUERIES; q++) {
        const s = process.hrtime.bigint();
        const m = index.search(row(queries, q), K, 1);
        times.push(ms(s));
        found.push(Array.from(m.keys, Number));
      }
      console.log(
        `    expansion_search ${String(ef).padStart(3)}: p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, recall@10 ${recallOf(found, truth).toFixed(4)}`,
      );
    }
  }

  if (PG_N > 0) await pgvector(all);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function pgvector(all) {
  let t;
  const data = all.subarray(0, N * DIM);
  const queries = all.slice(N * DIM);
  console.log(`pgvector in PGlite 0.4.6 (WASM, one thread): ${PG_N} x ${DIM} vectors, ${Math.min(QUERIES, 200)} queries`);
  const fingerprint = { model: 'bench', dtype: 'fp32', visionWeights: 'x', textWeights: 'x', preprocess: 'x' };
  const pgData = data.subarray(0, PG_N * DIM);
  const pgQueries = Math.min(QUERIES, 200);
  const pgTruth = truthOf(pgData, queries.subarray(0, pgQueries * DIM), pgQueries);
  const pg = await openVectorIndex(`pglite://${path.join(dir, 'pg')}`, { fingerprint, create: true });
  t = process.hrtime.bigint();
  for (let i = 0; i < PG_N; i += 1000) {
    const ids = Array.from({ length: Math.min(1000, PG_N - i) }, (_, j) => String(i + j));
    await pg.add(
      ids,
      ids.map((_, j) => row(pgData, i + j)),
    );
  }
  console.log(
    `  build (HNSW m ${DEFAULT_HNSW.m}, ef_construction ${DEFAULT_HNSW.efConstruction}, the defaults; inserted 1,000 rows at a time): ${(ms(t) / 1000).toFixed(1)}s`,
  );
  for (const exact of [false, true]) {
    const times = [];
    const found = [];
    for (let q = 0; q < pgQueries; q++) {
      const s = process.hrtime.bigint();
      const hits = await pg.search(row(queries, q), K, { exact });
      times.push(ms(s));
      found.push(hits.map((h) => Number(h.id)));
    }
    console.log(
      `  ${exact ? 'exact scan' : `HNSW ef_search ${DEFAULT_HNSW.efSearch}`}: p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, recall@10 ${recallOf(found, pgTruth).toFixed(4)}`,
    );
  }
  await pg.close();
  console.log(`  data folder ${(dirSize(path.join(dir, 'pg')) / 2 ** 20).toFixed(0)} MiB`);
}

function dirSize(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, f) => n + dirSize(path.join(p, f)), 0);
}
