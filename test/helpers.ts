import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REFERENCE = path.join(ROOT, 'test/reference');
export const TINY_MODEL = path.join(ROOT, 'test/fixtures/tiny-clip');
export const DEMO_DATASET = path.join(ROOT, 'datasets/fashion-mnist-1k');
export const GOLDEN_IMAGES = path.join(REFERENCE, 'goldens/preprocess/images');

export function tempDir(prefix = 'clipbench-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (dist/), as a user would. */
export function bench(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: Readonly<Record<string, string>> } = {},
): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/bench.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    // A private cache per call unless the test names one, so tests never share state through ~/.cache.
    env: { ...process.env, CI: '1', CLIPBENCH_CACHE_DIR: process.env.CLIPBENCH_CACHE_DIR ?? tempDir('cache-'), ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A class-folder dataset with the first `perClass` demo images of the first `classes` classes. */
export function smallFolderDataset(classes: number, perClass: number): string {
  const dir = tempDir('dataset-');
  const names = JSON.parse(readFileSync(path.join(DEMO_DATASET, 'classnames.json'), 'utf8')) as Record<string, string>;
  const chosen = readdirSync(DEMO_DATASET, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .slice(0, classes);
  writeFileSync(path.join(dir, 'classnames.json'), JSON.stringify(Object.fromEntries(chosen.map((c) => [c.name, names[c.name]]))));
  for (const cls of chosen) {
    mkdirSync(path.join(dir, cls.name));
    for (const file of readdirSync(path.join(DEMO_DATASET, cls.name)).sort().slice(0, perClass)) {
      copyFileSync(path.join(DEMO_DATASET, cls.name, file), path.join(dir, cls.name, file));
    }
  }
  return dir;
}

/** tiny-clip with the text graph that declares attention_mask (only the differing files are committed). */
export function tinyMaskModel(): string {
  const dir = tempDir('tiny-clip-mask-');
  cpSync(TINY_MODEL, dir, { recursive: true });
  cpSync(path.join(ROOT, 'test/fixtures/tiny-clip-mask'), dir, { recursive: true });
  return dir;
}

/** Run folders under an --out folder (it also holds history.jsonl), oldest first. */
export function runDirs(out: string): string[] {
  return readdirSync(out, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Largest elementwise |a − b|; vectors of different lengths are a test failure, not a zero. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** A classification run's results (what benchRun returns for either task); a retrieval run fails the test. */
export function classificationResults(results: Results | RetrievalResults): Results {
  if (results.task === 'retrieval') throw new Error('expected the results of a classification run, got retrieval');
  return results;
}
