import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results, RunTimings } from '../src/results/schema.js';
import { formatTimings } from '../src/results/table.js';
import { startStageClock } from '../src/run/runInfo.js';
import { ROOT, TINY_MODEL, bench, runDirs, smallFolderDataset, tempDir, tinyRunArgs } from './helpers.js';

const STAGES = ['startup', 'dataset', 'modelLoad', 'textEmbedding', 'imageEmbedding', 'metrics', 'report', 'total'] as const;
const TIMINGS_LINE =
  /^timings: start-up \d+\.\d+s · dataset \d+\.\d+s · model load \d+\.\d+s · texts \d+\.\d+s · images \d+\.\d+s \([\d.]+ img\/s\) · metrics \d+\.\d+s · report \d+\.\d+s · total \d+\.\d+s$/m;

function readResults<T>(out: string): T {
  const [run] = runDirs(out);
  return JSON.parse(readFileSync(path.join(out, run!, 'results.json'), 'utf8')) as T;
}

function expectWellFormed(timings: RunTimings | undefined, images: number): void {
  expect(timings).toBeDefined();
  const t = timings!;
  for (const stage of STAGES) {
    expect(typeof t[stage], stage).toBe('number');
    expect(t[stage], stage).toBeGreaterThanOrEqual(0);
  }
  expect(t.imageEmbedding).toBeGreaterThan(0);
  expect(t.imagesPerSecond).not.toBeNull();
  // Stored values are rounded (seconds to 0.1 ms, the rate to 0.1 img/s).
  expect(Math.abs(t.imagesPerSecond! - images / t.imageEmbedding)).toBeLessThanOrEqual(0.01 * t.imagesPerSecond! + 0.1);
  const stages = t.startup + t.dataset + t.modelLoad + t.textEmbedding + t.imageEmbedding + t.metrics + t.report;
  expect(stages).toBeLessThanOrEqual(t.total + 0.001);
}

describe('run.timings', () => {
  it('a classification run records every stage in results.json and prints them on one line', () => {
    const out = tempDir('reports-');
    const dataset = smallFolderDataset(3, 2);
    const result = bench(tinyRunArgs({ dataset, out }));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(TIMINGS_LINE);
    const results = readResults<Results>(out);
    expect(results.schemaVersion).toBe(1);
    expectWellFormed(results.run.timings, results.run.dataset.itemCount);
    // A cold run: both towers load, and that time is counted as model load.
    expect(results.run.cache.images.computed).toBe(6);
    expect(results.run.timings!.modelLoad).toBeGreaterThan(0);
  });

  it('a retrieval run records them too, images/s over the images of the run', () => {
    const out = tempDir('reports-');
    const result = bench(['run', '--dataset', 'fashion-mosaics', '--limit', '4', '--model', TINY_MODEL, '--out', out, '--threads', '2']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(TIMINGS_LINE);
    const results = readResults<RetrievalResults>(out);
    expect(results.task).toBe('retrieval');
    expectWellFormed(results.run.timings, results.run.dataset.imageCount);
  });

  it('formats the line the CLI prints', () => {
    const line = formatTimings({
      startup: 0.2143,
      dataset: 0.05,
      modelLoad: 0.8,
      textEmbedding: 0.1,
      imageEmbedding: 6.2,
      imagesPerSecond: 161.29,
      metrics: 0.02,
      report: 0.3,
      total: 12.5,
    });
    expect(line).toBe(
      'timings: start-up 0.21s · dataset 0.05s · model load 0.80s · texts 0.10s · images 6.20s (161 img/s) · metrics 0.02s · report 0.30s · total 12.5s',
    );
  });
});

describe('stage clock', () => {
  it('moves a lazy model load out of the stage it happens in, counting overlapping loads once', async () => {
    let now = 250;
    const clock = startStageClock(() => now);
    const advance = (ms: number) => (): Promise<void> => {
      now += ms;
      return Promise.resolve();
    };
    await clock.time('dataset', advance(100));
    await clock.time('imageEmbedding', async () => {
      now += 50;
      await Promise.all([clock.load(advance(700)), clock.load(advance(0))]);
      now += 1000;
    });
    await clock.time('modelLoad', () => clock.load(advance(30)));
    const t = clock.timings(500);
    expect(t).toMatchObject({ startup: 0.25, dataset: 0.1, imageEmbedding: 1.05, modelLoad: 0.73, textEmbedding: 0, total: now / 1000 });
    expect(t.imagesPerSecond).toBeCloseTo(500 / 1.05, 1);
  });

  it('leaves images/s null when no image time was measured', () => {
    expect(startStageClock(() => 0).timings(10).imagesPerSecond).toBeNull();
  });
});

/**
 * Which modules a CLI call loads, from a resolve hook (every ESM import, including the entry of a
 * CommonJS package) plus the CommonJS module cache at exit (a `require` that bypasses the hooks).
 * Timing start-up in a test would be flaky; the module graph is what decides it, and this fails
 * the moment someone adds an eager import of a heavy package again.
 */
function loadedModules(args: readonly string[], cwd = ROOT): { status: number | null; urls: string[]; stderr: string } {
  const dir = tempDir('module-graph-');
  const log = path.join(dir, 'modules.log');
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
  return resolved;
}
`,
  );
  writeFileSync(
    path.join(dir, 'preload.mjs'),
    `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(cache).map((f) => pathToFileURL(f).href + '\\n').join('')));
`,
  );
  const child = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(path.join(dir, 'preload.mjs')).href, path.join(ROOT, 'bin/bench.js'), ...args],
    {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', CLIPBENCH_CACHE_DIR: tempDir('cache-') },
    },
  );
  const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { status: child.status, urls, stderr: child.stderr };
}

const packagesIn = (urls: readonly string[], names: readonly string[]): string[] =>
  names.filter((name) => urls.some((url) => url.includes(`/node_modules/${name}/`)));

const HEAVY = [
  '@huggingface/transformers',
  'onnxruntime-node',
  'onnxruntime-common',
  'sharp',
  'vega',
  'vega-lite',
  'better-sqlite3',
  'handlebars',
];

describe('start-up loads only what the command needs', () => {
  it.each([['--version'], ['--help'], ['run', '--help'], ['report', '--help']])('bench %s loads no heavy package', (...args) => {
    const { status, urls, stderr } = loadedModules(args);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    // The hook saw the CLI itself, so an empty list below is not a hook that never ran.
    expect(urls.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(packagesIn(urls, ['commander'])).toEqual(['commander']);
    expect(packagesIn(urls, HEAVY)).toEqual([]);
  });

  it('a warm run loads neither transformers.js nor onnxruntime, and decodes nothing on the main thread', () => {
    const cache = tempDir('cache-');
    const dataset = smallFolderDataset(2, 2);
    const args = (out: string) => tinyRunArgs({ dataset, out }, '--cache-dir', cache, '--gallery-limit', '0');
    const cold = loadedModules(args(tempDir('reports-')));
    expect(cold.status).toBe(0);
    expect(packagesIn(cold.urls, ['@huggingface/transformers', 'onnxruntime-node'])).toEqual([
      '@huggingface/transformers',
      'onnxruntime-node',
    ]);
    const out = tempDir('reports-');
    const warm = loadedModules(args(out));
    expect(warm.status).toBe(0);
    expect(readResults<Results>(out).run.cache.images.computed).toBe(0);
    // sharp stays out too: images are decoded on worker threads (none start on a warm run) and an empty gallery needs no thumbnails.
    expect(packagesIn(warm.urls, ['@huggingface/transformers', 'onnxruntime-node', 'onnxruntime-common', 'sharp'])).toEqual([]);
    expect(warm.urls.some((url) => url.endsWith('/dist/model/decode.js'))).toBe(false);
    // The report is still written, charts and all.
    expect(packagesIn(warm.urls, ['vega'])).toEqual(['vega']);
    expect(existsSync(path.join(out, runDirs(out)[0]!, 'index.html'))).toBe(true);
  });
});
