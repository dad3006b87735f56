import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { imageKey, textKey } from '../src/cache/keys.js';
import type { TowerIdentity } from '../src/model/types.js';
import type { PreprocessSpec } from '../src/model/types.js';
import type { Results } from '../src/results/schema.js';
import { DEMO_DATASET, ROOT, TINY_MODEL, bench, runDirs, smallFolderDataset, tempDir } from './helpers.js';

const BIN = path.join(ROOT, 'bin/bench.js');

function runArgs(cacheDir: string, out: string, ...rest: string[]): string[] {
  return ['run', '--prompts', 'prompts/basic.hbs', '--model', TINY_MODEL, '--cache-dir', cacheDir, '--out', out, '--threads', '1', ...rest];
}

/** `bench run` of `model` on `dataset` with prompts/basic.hbs and the cache in `cacheDir`, written under `out`. */
function modelRunArgs(model: string, dataset: string, cacheDir: string, out: string, ...rest: string[]): string[] {
  return ['run', '--prompts', 'prompts/basic.hbs', '--model', model, '--dataset', dataset, '--cache-dir', cacheDir, '--out', out, ...rest];
}

/** Runs that into a fresh --out folder, which must succeed, and returns what it took from the cache and computed. */
function cacheUse(model: string, dataset: string, cacheDir: string, ...rest: string[]): Results['run']['cache'] {
  const out = tempDir('reports-');
  const r = bench(modelRunArgs(model, dataset, cacheDir, out, ...rest));
  expect(r.status, r.stderr).toBe(0);
  return latestResults(out).run.cache;
}

function latestResults(out: string): Results {
  const runs = runDirs(out);
  return JSON.parse(readFileSync(path.join(out, runs.at(-1)!, 'results.json'), 'utf8')) as Results;
}

/** Rows of a table in the cache file; 0 before the file or the table exists, any other failure thrown. */
function countRows(cacheDir: string, sql: string, ...params: string[]): number {
  const file = path.join(cacheDir, 'embeddings.sqlite');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } catch (error) {
    // A run creates the file a moment before its tables; anything else is a real failure.
    if (error instanceof Error && /^no such table: /.test(error.message)) return 0;
    throw error;
  } finally {
    db.close();
  }
}

function storedCount(cacheDir: string, kind: 'image' | 'text'): number {
  return countRows(cacheDir, 'SELECT count(*) AS n FROM embeddings WHERE kind = ?', kind);
}

/** Keys some live run has claimed and not stored yet. */
function claimedCount(cacheDir: string): number {
  return countRows(cacheDir, 'SELECT count(*) AS n FROM claims');
}

/** Bytes and mtime of every file of the store (the database, its WAL and shared memory). */
function storeSnapshot(cacheDir: string): Record<string, { sha256: string; mtimeMs: number }> {
  return Object.fromEntries(
    readdirSync(cacheDir)
      .filter((f) => f.startsWith('embeddings.sqlite'))
      .map((f) => {
        const file = path.join(cacheDir, f);
        return [f, { sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), mtimeMs: statSync(file).mtimeMs }];
      }),
  );
}

/** What must be identical between a cached and an uncached run: every number and every prediction. */
function scores(results: Results): unknown {
  return { sets: results.promptSets.map((s) => [s.metrics, s.perClass, s.confusion]), items: results.items, errors: results.errors };
}

/** The testing hook of `bench run`: after committing this many image batches the run waits for Ctrl-C or a kill. */
const HOLD_ENV = 'CLIPBENCH_HOLD_AFTER_BATCHES';

interface SpawnedRun {
  readonly child: ChildProcess;
  /** The exit code, or -1 when a signal ended the process. */
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
}

function spawnRun(args: string[], env: Record<string, string> = {}): SpawnedRun {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, exited, stderr: () => stderr };
}

/** Resolves once `condition` holds; fails at once if `run` exits first, since then it never will. */
async function waitFor(condition: () => boolean, run: SpawnedRun, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(`the run exited (${run.child.exitCode ?? run.child.signalCode}) first:\n${run.stderr()}`);
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting:\n${run.stderr()}`);
    await sleep(20);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('cache keys never give a stale hit', () => {
  const tower: TowerIdentity = { label: '/m', dtype: 'fp32', weights: 'a'.repeat(64) };
  const spec: PreprocessSpec = { mode: 'clip', size: 224, cropSize: 224, mean: [0.1, 0.2, 0.3], std: [0.4, 0.5, 0.6] };
  const base = imageKey('f'.repeat(64), tower, spec, 'alg/1');
  it.each([
    ['image bytes', imageKey('e'.repeat(64), tower, spec, 'alg/1')],
    ['dtype', imageKey('f'.repeat(64), { ...tower, dtype: 'q8' }, spec, 'alg/1')],
    ['weights', imageKey('f'.repeat(64), { ...tower, weights: 'b'.repeat(64) }, spec, 'alg/1')],
    ['preprocess mode', imageKey('f'.repeat(64), tower, { ...spec, mode: 'hf' }, 'alg/1')],
    ['resize size', imageKey('f'.repeat(64), tower, { ...spec, size: 256 }, 'alg/1')],
    ['crop size', imageKey('f'.repeat(64), tower, { ...spec, cropSize: 192 }, 'alg/1')],
    ['mean', imageKey('f'.repeat(64), tower, { ...spec, mean: [0.1, 0.2, 0.31] }, 'alg/1')],
    ['std', imageKey('f'.repeat(64), tower, { ...spec, std: [0.4, 0.5, 0.61] }, 'alg/1')],
    ['resize algorithm version', imageKey('f'.repeat(64), tower, spec, 'alg/2')],
  ])('image key changes with the %s', (_, other) => {
    expect(other).not.toBe(base);
  });
  it('image key ignores where the model lies', () => {
    expect(imageKey('f'.repeat(64), { ...tower, label: '/elsewhere' }, spec, 'alg/1')).toBe(base);
  });

  it('text key changes with the token ids, the padding policy, dtype and weights, not the location', () => {
    const ids = [49406, 320, 1125, 539, 320, 2368, 269, 49407];
    const t = textKey(ids, 'longest:0', tower);
    for (const other of [
      textKey([...ids.slice(0, -1), 269, 49407], 'longest:0', tower),
      textKey([4940, 6320, ...ids.slice(2)], 'longest:0', tower),
      textKey(ids, 'max_length:64:1', tower),
      textKey(ids, 'longest:0', { ...tower, dtype: 'fp16' }),
      textKey(ids, 'longest:0', { ...tower, weights: 'c'.repeat(64) }),
    ]) {
      expect(other).not.toBe(t);
    }
    expect(textKey([...ids], 'longest:0', { ...tower, label: '/other' })).toBe(t);
  });

  it('a copy of the model in another folder hits every entry; a changed tokenizer misses the texts', () => {
    const cache = tempDir('cache-');
    const first = tempDir('model a-');
    const second = path.join(tempDir('elsewhere-'), 'copied model');
    cpSync(TINY_MODEL, first, { recursive: true });
    cpSync(TINY_MODEL, second, { recursive: true });
    const dataset = smallFolderDataset(3, 2);
    const run = (model: string) => cacheUse(model, dataset, cache);
    expect(run(first)).toMatchObject({ images: { fromCache: 0, computed: 6 }, texts: { fromCache: 0, computed: 3 } });
    expect(run(second)).toMatchObject({ images: { fromCache: 6, computed: 0 }, texts: { fromCache: 3, computed: 0 } });
    // Same ONNX weights, another vocabulary: "bag" now maps to another id, so only its prompt misses.
    const file = path.join(second, 'tokenizer.json');
    const tokenizer = JSON.parse(readFileSync(file, 'utf8')) as { model: { vocab: Record<string, number> } };
    const vocab = tokenizer.model.vocab;
    [vocab['bag</w>'], vocab['zebra</w>']] = [vocab['zebra</w>']!, vocab['bag</w>']!];
    writeFileSync(file, JSON.stringify(tokenizer));
    expect(run(second)).toMatchObject({ images: { fromCache: 6, computed: 0 }, texts: { fromCache: 2, computed: 1 } });
  });

  it('a run misses after the preprocessing or the ONNX weights change, and hits otherwise', () => {
    const cache = tempDir('cache-');
    const model = tempDir('model-');
    cpSync(TINY_MODEL, model, { recursive: true });
    const dataset = smallFolderDataset(3, 2);
    const run = (...extra: string[]) => cacheUse(model, dataset, cache, ...extra);
    expect(run()).toMatchObject({ images: { fromCache: 0, computed: 6 }, texts: { fromCache: 0, computed: 3 } });
    expect(run()).toMatchObject({ images: { fromCache: 6, computed: 0 }, texts: { fromCache: 3, computed: 0 } });
    expect(run('--preprocess', 'hf')).toMatchObject({ images: { fromCache: 0, computed: 6 }, texts: { fromCache: 3, computed: 0 } });
    // A trailing unknown protobuf field changes the file's bytes but not what onnxruntime computes.
    const vision = path.join(model, 'onnx/vision_model.onnx');
    writeFileSync(vision, Buffer.concat([readFileSync(vision), Buffer.from([0xc0, 0x3e, 0x01])]));
    expect(run()).toMatchObject({ images: { fromCache: 0, computed: 6 }, texts: { fromCache: 3, computed: 0 } });
  });
});

describe('cache behaviour in runs', () => {
  it('a fully cached run loads no ONNX session and gives identical numbers', () => {
    const cache = tempDir('cache-');
    const model = tempDir('model-');
    cpSync(TINY_MODEL, model, { recursive: true });
    const dataset = smallFolderDataset(4, 3);
    const args = (out: string) => modelRunArgs(model, dataset, cache, out);
    const onnx = ['text', 'vision'].map((tower) => path.join(model, `onnx/${tower}_model.onnx`));
    for (const file of onnx) utimesSync(file, 1_700_000_000, 1_700_000_000);
    const cold = tempDir('reports-');
    const first = bench(args(cold));
    expect(first.status, first.stderr).toBe(0);
    // Break both ONNX files but keep size and mtime, so the weights' remembered hash still applies:
    // the run can only succeed if it never opens a session.
    for (const file of onnx) {
      writeFileSync(file, Buffer.alloc(statSync(file).size, 0x55));
      utimesSync(file, 1_700_000_000, 1_700_000_000);
    }
    const warm = tempDir('reports-');
    const result = bench(args(warm));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('12 images and 4 prompts from the cache, 0 images and 0 prompts computed');
    expect(scores(latestResults(warm))).toEqual(scores(latestResults(cold)));
  });

  it('a vector that fails its checksum is recomputed, never used', () => {
    const cache = tempDir('cache-');
    const dataset = smallFolderDataset(3, 2);
    const first = tempDir('reports-');
    expect(bench([...runArgs(cache, first), '--dataset', dataset]).status).toBe(0);
    const db = new Database(path.join(cache, 'embeddings.sqlite'));
    const row = db.prepare("SELECT key, vector FROM embeddings WHERE kind = 'image' LIMIT 1").get() as { key: string; vector: Buffer };
    const flipped = Buffer.from(row.vector);
    flipped[5] = flipped[5]! ^ 0x40;
    db.prepare('UPDATE embeddings SET vector = ? WHERE key = ?').run(flipped, row.key);
    db.close();
    const second = tempDir('reports-');
    expect(bench([...runArgs(cache, second), '--dataset', dataset]).status).toBe(0);
    expect(latestResults(second).run.cache.images).toEqual({ fromCache: 5, computed: 1 });
    expect(scores(latestResults(second))).toEqual(scores(latestResults(first)));
  });

  it('a damaged or foreign cache file is set aside with a warning and rebuilt', () => {
    for (const damage of ['garbage', 'foreign']) {
      const cache = tempDir('cache-');
      const file = path.join(cache, 'embeddings.sqlite');
      if (damage === 'garbage') writeFileSync(file, 'this is not a database '.repeat(200));
      else {
        const db = new Database(file);
        db.exec('CREATE TABLE notes (body TEXT)');
        db.close();
      }
      const r = bench([...runArgs(cache, tempDir()), '--dataset', smallFolderDataset(2, 1)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(`warning: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*moved it to .*damaged-\\d+ and started a new cache`),
      );
      expect(storedCount(cache, 'image')).toBe(2);
    }
  });

  // The hold hook stops the run at a known point: after exactly HOLD image batches are committed,
  // it waits for a signal, so the interrupt can never come too late (the run finished) or land
  // at an unknown count.
  const HOLD = 10;
  const BATCH = 4;
  const LIMIT = 200;

  it('a run killed with SIGKILL keeps every stored batch; the rerun computes only the rest, with identical results', async () => {
    const cache = tempDir('cache-');
    const out = tempDir('reports-');
    const args = [...runArgs(cache, out), '--dataset', DEMO_DATASET, '--batch-size', String(BATCH), '--limit', String(LIMIT)];
    const held = spawnRun(args, { [HOLD_ENV]: String(HOLD) });
    await waitFor(() => storedCount(cache, 'image') >= HOLD * BATCH, held);
    held.child.kill('SIGKILL');
    expect(await held.exited).toBe(-1);
    expect(storedCount(cache, 'image')).toBe(HOLD * BATCH);
    const rerun = bench(args);
    expect(rerun.status, rerun.stderr).toBe(0);
    const resumed = latestResults(out);
    expect(resumed.run.cache.images).toEqual({ fromCache: HOLD * BATCH, computed: LIMIT - HOLD * BATCH });
    expect(storedCount(cache, 'image')).toBe(LIMIT);

    // --no-cache neither reads nor writes the store: its files keep their bytes and times.
    const before = storeSnapshot(cache);
    expect(Object.keys(before)).toContain('embeddings.sqlite');
    const fresh = tempDir('reports-');
    const uncached = bench([...runArgs(cache, fresh), '--dataset', DEMO_DATASET, '--limit', String(LIMIT), '--no-cache']);
    expect(uncached.status, uncached.stderr).toBe(0);
    expect(latestResults(fresh).run.cache).toMatchObject({ location: null, images: { fromCache: 0, computed: LIMIT } });
    expect(storeSnapshot(cache)).toEqual(before);
    expect(scores(resumed)).toEqual(scores(latestResults(fresh)));
  });

  it('Ctrl-C stops after the batch in flight, says how much was kept, and the rerun resumes', async () => {
    const cache = tempDir('cache-');
    const out = tempDir('reports-');
    const args = [...runArgs(cache, out), '--dataset', DEMO_DATASET, '--batch-size', String(BATCH), '--limit', String(LIMIT)];
    const held = spawnRun(args, { [HOLD_ENV]: String(HOLD) });
    await waitFor(() => storedCount(cache, 'image') >= HOLD * BATCH, held);
    held.child.kill('SIGINT');
    expect(await held.exited).toBe(130);
    expect(held.stderr()).toContain(`interrupted; ${HOLD * BATCH} embedding(s) computed in this run are kept in the cache`);
    expect(storedCount(cache, 'image')).toBe(HOLD * BATCH);
    expect(claimedCount(cache)).toBe(0);
    const rerun = bench(args);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(latestResults(out).run.cache.images).toEqual({ fromCache: HOLD * BATCH, computed: LIMIT - HOLD * BATCH });
  });

  it('two runs on one cache at once split the work: the second skips what the first has claimed, and takes it over once released', async () => {
    const cache = tempDir('cache-');
    const [outA, outB] = [tempDir('reports-'), tempDir('reports-')];
    const batch = 8;
    const limit = 120;
    const args = (out: string) => [
      ...runArgs(cache, out),
      '--dataset',
      DEMO_DATASET,
      '--batch-size',
      String(batch),
      '--limit',
      String(limit),
    ];
    // A stores two batches and holds, with the batches it prepares ahead still claimed.
    const a = spawnRun(args(outA), { [HOLD_ENV]: '2' });
    await waitFor(() => storedCount(cache, 'image') >= 2 * batch, a);
    const claimedByA = claimedCount(cache);
    expect(claimedByA).toBeGreaterThan(0);
    // B computes everything else, then waits on A's claims rather than computing them twice.
    const b = spawnRun(args(outB));
    await waitFor(() => storedCount(cache, 'image') >= limit - claimedByA, b);
    await sleep(1000);
    expect(storedCount(cache, 'image')).toBe(limit - claimedByA);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
    // Ctrl-C makes A release its claims; B picks them up and finishes.
    a.child.kill('SIGINT');
    expect(await a.exited).toBe(130);
    expect(a.stderr()).toContain(`interrupted; ${2 * batch} embedding(s) computed in this run are kept in the cache`);
    expect(await b.exited, b.stderr()).toBe(0);
    const computedByB = latestResults(outB).run.cache.images;
    expect(computedByB).toEqual({ fromCache: 2 * batch, computed: limit - 2 * batch });
    // Each run computed part of the set, and together all of it, once.
    expect(2 * batch + computedByB.computed).toBe(limit);
    expect(storedCount(cache, 'image')).toBe(limit);
    expect(claimedCount(cache)).toBe(0);
    const fresh = tempDir('reports-');
    expect(bench([...runArgs(tempDir('cache-'), fresh), '--dataset', DEMO_DATASET, '--limit', String(limit), '--no-cache']).status).toBe(0);
    expect(scores(latestResults(outB))).toEqual(scores(latestResults(fresh)));
  });
});

describe('bench cache commands', () => {
  it('stats, prune and clear', () => {
    const cache = tempDir('cache-');
    expect(bench([...runArgs(cache, tempDir()), '--dataset', smallFolderDataset(2, 2)]).status).toBe(0);
    const stats = bench(['cache', 'stats', '--cache-dir', cache]);
    expect(stats.stdout).toMatch(new RegExp(`${TINY_MODEL}@fp32\\s+image\\s+4\\s+256 B`));
    expect(stats.stdout).toMatch(/text\s+2\s/);
    expect(bench(['cache', 'prune', '--older-than', '1', '--cache-dir', cache]).stdout).toContain('removed 0 embedding(s)');
    expect(bench(['cache', 'prune', '--model', '/elsewhere', '--cache-dir', cache]).stdout).toContain('removed 0 embedding(s)');
    expect(bench(['cache', 'prune', '--model', TINY_MODEL, '--cache-dir', cache]).stdout).toContain('removed 6 embedding(s)');
    expect(bench([...runArgs(cache, tempDir()), '--dataset', smallFolderDataset(2, 2)]).status).toBe(0);
    expect(bench(['cache', 'clear', '--cache-dir', cache]).stdout).toContain('removed 6 embedding(s)');
    expect(bench(['cache', 'stats', '--cache-dir', cache]).stdout).toContain(': empty');
  });
});
