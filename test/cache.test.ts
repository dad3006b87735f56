import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

function latestResults(out: string): Results {
  const runs = runDirs(out);
  return JSON.parse(readFileSync(path.join(out, runs.at(-1)!, 'results.json'), 'utf8')) as Results;
}

function storedCount(cacheDir: string, kind: 'image' | 'text'): number {
  const file = path.join(cacheDir, 'embeddings.sqlite');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare('SELECT count(*) AS n FROM embeddings WHERE kind = ?').get(kind) as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

/** What must be identical between a cached and an uncached run: every number and every prediction. */
function scores(results: Results): unknown {
  return { sets: results.promptSets.map((s) => [s.metrics, s.perClass, s.confusion]), items: results.items, errors: results.errors };
}

function spawnRun(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, exited, stderr: () => stderr };
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
    const run = (model: string) => {
      const out = tempDir('reports-');
      const r = bench(['run', '--prompts', 'prompts/basic.hbs', '--model', model, '--dataset', dataset, '--cache-dir', cache, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      return latestResults(out).run.cache;
    };
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
    const run = (...extra: string[]) => {
      const out = tempDir('reports-');
      const r = bench(['run', '--prompts', 'prompts/basic.hbs', '--model', model, '--dataset', dataset, '--cache-dir', cache, '--out', out, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      return latestResults(out).run.cache;
    };
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
    const args = (out: string) => ['run', '--prompts', 'prompts/basic.hbs', '--model', model, '--dataset', dataset, '--cache-dir', cache, '--out', out];
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
      expect(r.stderr).toMatch(new RegExp(`warning: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*moved it to .*damaged-\\d+ and started a new cache`));
      expect(storedCount(cache, 'image')).toBe(2);
    }
  });

  it('a run killed with SIGKILL keeps every stored batch; the rerun computes only the rest, with identical results', async () => {
    const cache = tempDir('cache-');
    const out = tempDir('reports-');
    const args = [...runArgs(cache, out), '--dataset', DEMO_DATASET, '--batch-size', '4', '--limit', '400'];
    const { child, exited } = spawnRun(args);
    await waitFor(() => storedCount(cache, 'image') >= 40);
    child.kill('SIGKILL');
    expect(await exited).toBe(-1);
    const kept = storedCount(cache, 'image');
    expect(kept).toBeGreaterThanOrEqual(40);
    expect(kept).toBeLessThan(400);
    const rerun = bench(args);
    expect(rerun.status, rerun.stderr).toBe(0);
    const resumed = latestResults(out);
    expect(resumed.run.cache.images).toEqual({ fromCache: kept, computed: 400 - kept });
    const fresh = tempDir('reports-');
    expect(bench([...runArgs(cache, fresh), '--dataset', DEMO_DATASET, '--limit', '400', '--no-cache']).status).toBe(0);
    expect(scores(resumed)).toEqual(scores(latestResults(fresh)));
  });

  it('Ctrl-C stops after the batch in flight, says how much was kept, and the rerun resumes', async () => {
    const cache = tempDir('cache-');
    const out = tempDir('reports-');
    const args = [...runArgs(cache, out), '--dataset', DEMO_DATASET, '--batch-size', '4', '--limit', '400'];
    const { child, exited, stderr } = spawnRun(args);
    await waitFor(() => storedCount(cache, 'image') >= 20);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const kept = storedCount(cache, 'image');
    expect(stderr()).toMatch(new RegExp(`interrupted; ${kept} embedding\\(s\\) computed in this run are kept in the cache`));
    const rerun = bench(args);
    expect(rerun.status).toBe(0);
    expect(latestResults(out).run.cache.images).toEqual({ fromCache: kept, computed: 400 - kept });
  });

  it('two concurrent runs on one cache both succeed, agree, and split the work', async () => {
    const cache = tempDir('cache-');
    const outs = [tempDir('reports-'), tempDir('reports-')];
    const batch = 8;
    const runs = outs.map((out) => spawnRun([...runArgs(cache, out), '--dataset', DEMO_DATASET, '--batch-size', String(batch), '--limit', '300']));
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes, runs.map((r) => r.stderr()).join('\n')).toEqual([0, 0]);
    const [a, b] = outs.map(latestResults);
    expect(scores(a!)).toEqual(scores(b!));
    const computed = a!.run.cache.images.computed + b!.run.cache.images.computed;
    expect(computed).toBeGreaterThanOrEqual(300);
    expect(computed).toBeLessThanOrEqual(300 + 2 * batch);
    expect(storedCount(cache, 'image')).toBe(300);
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
