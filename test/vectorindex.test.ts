import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../src/cache/index.js';
import { loadAnyDataset } from '../src/datasets/index.js';
import type { RetrievalDataset } from '../src/datasets/types.js';
import { loadClipModel, type ClipModel } from '../src/model/clipModel.js';
import { retrievalMetrics } from '../src/metrics/retrieval.js';
import { embedImages } from '../src/run/embedImages.js';
import { embedTexts } from '../src/run/embedTexts.js';
import { modelFingerprint } from '../src/vectorindex/build.js';
import { evaluateIndex } from '../src/vectorindex/eval.js';
import { evalPage } from '../src/vectorindex/evalPage.js';
import { openVectorIndex } from '../src/vectorindex/registry.js';
import { embedTextQuery } from '../src/vectorindex/search.js';
import { FingerprintMismatchError, type IndexFingerprint, type SearchHit, type VectorIndex } from '../src/vectorindex/types.js';
import { bench, ROOT, tempDir } from './helpers.js';

const K = 10;
let model: ClipModel;
let fingerprint: IndexFingerprint;
let dataset: RetrievalDataset;
let ids: string[];
let vectors: Float32Array[];
let queries: Float32Array[];
const dir = tempDir('vectorindex-');

/** The test's own unit vectors and brute force, written apart from the index code it checks. */
function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return Float32Array.from(v, (x) => x / n);
}

function bruteForce(query: Float32Array, k: number): SearchHit[] {
  const scored = vectors.map((v, i) => {
    let dot = 0;
    for (let j = 0; j < v.length; j++) dot += v[j]! * query[j]!;
    return { id: ids[i]!, score: dot };
  });
  return scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
}

function recall(found: readonly SearchHit[][], exact: readonly SearchHit[][]): number {
  const hit = found.reduce((n, f, q) => n + f.filter((h) => exact[q]!.some((e) => e.id === h.id)).length, 0);
  return hit / exact.reduce((n, e) => n + e.length, 0);
}

beforeAll(async () => {
  model = await loadClipModel({
    model: path.join(ROOT, 'models/fashion-clip-mini'),
    dtype: 'fp32',
    preprocess: 'clip',
    threads: 2,
    cwd: ROOT,
  });
  fingerprint = await modelFingerprint(model);
  dataset = (await loadAnyDataset(path.join(ROOT, 'datasets/fashion-mosaics.json'), {
    cwd: ROOT,
    datasetsDir: path.join(ROOT, 'datasets'),
  })) as RetrievalDataset;
  const cache = await openCache({ dir: path.join(dir, 'cache'), enabled: true });
  const embedded = await embedImages(model, dataset.images, 32, cache.session);
  await cache.close();
  ids = dataset.images.map((i) => i.id);
  vectors = embedded.embeddings.map((v) => unit(v!));
  const captions = [...new Set(dataset.captions.map((c) => c.text))].slice(0, 200);
  queries = await Promise.all(captions.map(async (c) => (await embedTextQuery(model, c)).vector));
}, 240_000);

afterAll(async () => {
  await model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function filled(spec: string, exact = false): Promise<VectorIndex> {
  const index = await openVectorIndex(spec, { fingerprint, create: true, exact });
  for (let i = 0; i < ids.length; i += 64) await index.add(ids.slice(i, i + 64), vectors.slice(i, i + 64));
  return index;
}

const BACKENDS = [
  ['usearch', () => path.join(dir, `u-${Math.random()}`)],
  ['pgvector (PGlite)', () => 'pglite://memory'],
] as const;

describe.each(BACKENDS)('%s', (_name, spec) => {
  it('exact search equals a brute-force top-k: ids and order, ties by id', async () => {
    const index = await filled(spec(), true);
    const images = vectors.slice(0, 40);
    for (const q of [...images, ...queries.slice(0, 40)]) {
      const got = await index.search(q, K, { exact: true });
      const want = bruteForce(q, K);
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
      got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
    }
    await index.close();
  }, 120_000);

  it('HNSW recall@10 against exact is at least 0.99 with captions as queries', async () => {
    const index = await filled(spec());
    expect(await index.size()).toBe(ids.length);
    const found = await Promise.all(queries.map((q) => index.search(q, K)));
    expect(found.every((f) => f.length === K)).toBe(true);
    expect(
      recall(
        found,
        queries.map((q) => bruteForce(q, K)),
      ),
    ).toBeGreaterThanOrEqual(0.99);
    await index.close();
  }, 120_000);
});

describe('usearch files', () => {
  it('append skips known ids, persists, and refuses another model', async () => {
    const file = path.join(dir, 'fixed.usearch');
    const first = await openVectorIndex(file, { fingerprint, create: true });
    expect(await first.add(ids.slice(0, 100), vectors.slice(0, 100))).toBe(100);
    await first.close();
    const again = await openVectorIndex(file, { fingerprint, create: true });
    expect(await again.add(ids.slice(50, 150), vectors.slice(50, 150))).toBe(50);
    expect([...(await again.known(['nope', ids[0]!]))]).toEqual([ids[0]]);
    await again.close();
    const reopened = await openVectorIndex(file, { fingerprint, create: false });
    expect(await reopened.size()).toBe(150);
    expect((await reopened.search(vectors[120]!, 1))[0]!.id).toBe(ids[120]);
    await reopened.close();
    const other = { ...fingerprint, model: 'other', visionWeights: 'f'.repeat(64) };
    await expect(openVectorIndex(file, { fingerprint: other, create: false })).rejects.toThrow(FingerprintMismatchError);
    await expect(openVectorIndex(file, { fingerprint: other, create: false })).rejects.toThrow(/built for .*fashion-clip-mini/);
  });

  it('pgvector keeps a table per model, skips known ids, and names the models it has', async () => {
    const spec = `pglite://${path.join(dir, 'pg')}`;
    const index = await openVectorIndex(spec, { fingerprint, create: true });
    expect(await index.add(ids.slice(0, 20), vectors.slice(0, 20))).toBe(20);
    expect(await index.add(ids.slice(10, 30), vectors.slice(10, 30))).toBe(10);
    await index.close();
    const other = { ...fingerprint, model: 'other', dtype: 'q8' };
    await expect(openVectorIndex(spec, { fingerprint: other, create: false })).rejects.toThrow(
      /no index for other \(q8\).*fashion-clip-mini/,
    );
  }, 60_000);
});

describe('CLI', () => {
  it('bench index build, then bench search prints k rows', () => {
    const env = { CLIPBENCH_CACHE_DIR: path.join(dir, 'cli-cache') };
    const model = ['--model', 'models/fashion-clip-mini', '--threads', '2'];
    const built = bench(['index', 'build', '--images', 'datasets/fashion-mosaics.json', ...model], { env });
    expect(built.stderr).not.toMatch(/error/);
    expect(built.stdout).toMatch(/added 300 images/);
    const found = bench(['search', 'a photo of a sneaker', '-k', '7', ...model, '--format', 'json'], { env });
    expect(found.stderr).toBe('');
    expect((JSON.parse(found.stdout) as { hits: unknown[] }).hits).toHaveLength(7);
    const table = bench(['search', 'a photo of a sneaker', '-k', '5', ...model], { env });
    expect(table.stdout.trim().split('\n')).toHaveLength(6);
  }, 180_000);
});

describe('a real PostgreSQL', () => {
  // Set CLIPBENCH_TEST_POSTGRES to a server with pgvector installed; without one this is skipped.
  const url = process.env.CLIPBENCH_TEST_POSTGRES ?? 'postgres://postgres@localhost:5432/postgres';

  it('runs the same SQL as PGlite when CREATE EXTENSION vector works there', async (ctx) => {
    const index = await openVectorIndex(url, { fingerprint, create: true }).catch((error: unknown) => error as Error);
    if (index instanceof Error) {
      ctx.skip(`no PostgreSQL with pgvector at ${url} (${index.message}); set CLIPBENCH_TEST_POSTGRES to test one`);
      return;
    }
    await index.add(ids, vectors);
    for (const q of queries.slice(0, 20)) {
      expect((await index.search(q, K, { exact: true })).map((h) => h.id)).toEqual(bruteForce(q, K).map((h) => h.id));
    }
    await index.close();
  }, 60_000);
});

describe('bench index eval', () => {
  it('exact column equals the run’s image_retrieval_recall@k; recall rises with ef and is ≥ 0.99 at 64', async () => {
    const cache = await openCache({ dir: path.join(dir, 'eval-cache'), enabled: true });
    const efs = [8, 16, 32, 64, 128, 256];
    const result = await evaluateIndex(model, dataset, cache.session, {
      spec: path.join(dir, 'eval.usearch'),
      efSearch: efs,
      k: K,
      batchSize: 32,
    });
    const texts = await embedTexts(
      model,
      dataset.captions.map((c) => c.text),
      32,
      cache.session,
    );
    await cache.close();
    const metrics = retrievalMetrics({
      imageEmbeddings: vectors.map((v) => Array.from(v)),
      textEmbeddings: dataset.captions.map((c) => Array.from(texts.byText.get(c.text)!)),
      captionImageIndex: dataset.captions.map((c) => c.image),
      ks: [K],
    });
    expect(result.images).toBe(ids.length);
    expect(result.captions).toBe(dataset.captions.length);
    expect(result.exactImageRecall).toBeCloseTo(metrics[`image_retrieval_recall@${K}`]!, 10);
    expect(result.rows.map((r) => r.efSearch)).toEqual(efs);
    result.rows.slice(1).forEach((r, i) => expect(r.recallVsExact).toBeGreaterThanOrEqual(result.rows[i]!.recallVsExact - 0.01));
    expect(result.rows.find((r) => r.efSearch === 64)!.recallVsExact).toBeGreaterThanOrEqual(0.99);
    result.rows.forEach((r) => expect(r.deltaPoints).toBeCloseTo((r.imageRecall - result.exactImageRecall) * 100, 10));
    const page = await evalPage(result);
    expect(page).toMatch(/<svg/);
    expect(page).not.toMatch(/<script/);
  }, 240_000);

  it('the CLI prints one row per ef, and JSON with --format json', () => {
    const env = { CLIPBENCH_CACHE_DIR: path.join(dir, 'cli-eval-cache') };
    const args = ['index', 'eval', '--images', 'datasets/fashion-mosaics.json', '--model', 'models/fashion-clip-mini', '--threads', '2'];
    const html = path.join(dir, 'eval.html');
    const table = bench([...args, '--ef', '16,64,128', '--html', html], { env });
    expect(table.status).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines.filter((l) => /^\s*\d+\s+\d\.\d{4}\s/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([16, 64, 128]);
    expect(readFileSync(html, 'utf8')).toMatch(/<svg/);
    const json = bench([...args, '--ef', '32', '--format', 'json'], { env });
    expect((JSON.parse(json.stdout) as { rows: unknown[] }).rows).toHaveLength(1);
  }, 240_000);
});

describe('bench run --index on a captioned set', () => {
  it("prints image recall@k through the index next to the run's own exact recall@k", () => {
    const out = tempDir('run-index-');
    const cli = bench(['run', '--dataset', 'fashion-mosaics', '--index', 'usearch', '--out', out]);
    expect(cli.status, cli.stderr).toBe(0);
    const exact = /^captions\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%/m.exec(cli.stdout)!.slice(1);
    const rows = [...cli.stdout.matchAll(/^\s*(1|5|10)\s+([\d.]+)%\s+([\d.]+)%\s+(-?[\d.]+)\s+([\d.]+)$/gm)];
    expect(rows.map((r) => r[1])).toEqual(['1', '5', '10']);
    // The index's exact column is the run's image R@k; at the default settings the index loses nothing here.
    expect(rows.map((r) => r[2])).toEqual(exact);
    expect(rows.every((r) => Number(r[5]) >= 0.99)).toBe(true);
    const classification = bench(['run', '--prompts', 'prompts/basic.hbs', '--limit', '10', '--index', 'usearch', '--out', out]);
    expect(classification.status).toBe(2);
    expect(classification.stderr).toContain('--index measures retrieval through a vector index: it needs a captioned set');
  }, 120_000);
});
