import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportExtras } from '../src/report/types.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REFERENCE = path.join(ROOT, 'test/reference');
export const TINY_MODEL = path.join(ROOT, 'test/fixtures/tiny-clip');
export const DEMO_DATASET = path.join(ROOT, 'datasets/fashion-mnist-1k');
export const GOLDEN_IMAGES = path.join(REFERENCE, 'goldens/preprocess/images');

/** Debian's chromium, driven by playwright-core with the flags a sandboxed, offline machine needs. */
export const CHROMIUM = '/usr/bin/chromium';
export const BROWSER_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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

/**
 * Arguments of a `bench run` of the tiny model on `dataset` with two threads, written under `out`:
 * prompts/basic.hbs unless `prompts` names other files; `rest` goes last.
 */
export function tinyRunArgs(
  { dataset, out, prompts = ['prompts/basic.hbs'] }: { dataset: string; out: string; prompts?: readonly string[] },
  ...rest: string[]
): string[] {
  return ['run', '--prompts', ...prompts, '--dataset', dataset, '--model', TINY_MODEL, '--out', out, '--threads', '2', ...rest];
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

/** An item of a hand-made classification run: its class and its top-1 label under each prompt set. */
export interface TopItem {
  readonly id: string;
  readonly label: string;
  /** Top prediction per prompt set. */
  readonly top: readonly string[];
}

/** What a hand-made classification run is made of; `topResults` derives every number from it. */
export interface TopResultsSpec {
  readonly classes: readonly string[];
  readonly items: readonly TopItem[];
  /** Prompt set names, in the order of each item's `top`. */
  readonly sets: readonly string[];
  /** Appended to the template and to every prompt. */
  readonly promptSuffix: string;
  readonly acc5: number | null;
  /** Probability of the top label; the other classes share `restProb` evenly. */
  readonly topProb: number;
  readonly restProb: number;
  readonly runId: string;
  readonly modelId: string;
  readonly datasetName: string;
  readonly datasetPath: string;
  readonly textsComputed: number;
  readonly durationMs: number;
  /** Items that could not be read; the dataset's item count includes them. */
  readonly errors: Results['errors'];
}

/**
 * A small, hand-checkable results.json: the confusion matrices, per-class recalls and acc1 follow
 * from each item's top-1 label per prompt set.
 */
export function topResults(spec: TopResultsSpec): Results {
  const { classes, items, sets, promptSuffix } = spec;
  const promptSets = sets.map((name, s) => {
    const matrix = classes.map((truth) => classes.map((pred) => items.filter((i) => i.label === truth && i.top[s] === pred).length));
    const perClass = classes.map((label, c) => {
      const support = matrix[c]!.reduce((a, b) => a + b, 0);
      return { label, support, recall: support === 0 ? null : matrix[c]![c]! / support };
    });
    const acc1 = items.filter((i) => i.top[s] === i.label).length / items.length;
    return {
      name,
      file: `/prompts/${name}.hbs`,
      templates: [`a photo of a {{label}}${promptSuffix}`],
      prompts: Object.fromEntries(classes.map((c) => [c, [`a photo of a ${c}${promptSuffix}`]])),
      truncatedPrompts: [],
      metrics: { acc1, acc5: spec.acc5, mean_per_class_recall: acc1 },
      perClass,
      confusion: { labels: classes, matrix },
    };
  });
  return {
    schemaVersion: 1,
    run: {
      id: spec.runId,
      createdAt: '2024-01-02T03:04:05.000Z',
      toolVersion: '0.0.0',
      model: { id: spec.modelId, kind: 'local', dtype: 'fp32', onnxSha256: {} },
      preprocess: { mode: 'clip', size: 224, cropSize: 224, mean: [0, 0, 0], std: [1, 1, 1] },
      dataset: {
        name: spec.datasetName,
        format: 'folder',
        path: spec.datasetPath,
        itemCount: items.length + spec.errors.length,
        classNames: classes,
        limit: null,
        perClass: null,
      },
      cache: { location: null, images: { fromCache: 0, computed: items.length }, texts: { fromCache: 0, computed: spec.textsComputed } },
      seed: 0,
      batchSize: 8,
      threads: 1,
      durationMs: spec.durationMs,
    },
    promptSets,
    items: items.map((i) => ({
      id: i.id,
      label: i.label,
      predictions: Object.fromEntries(
        sets.map((name, s) => [
          name,
          [
            { label: i.top[s]!, prob: spec.topProb },
            ...classes.filter((c) => c !== i.top[s]).map((c) => ({ label: c, prob: spec.restProb / (classes.length - 1) })),
          ],
        ]),
      ),
    })),
    errors: spec.errors,
  };
}

/** Report extras that add the two optional charts: whiskers on basic's acc1 and a two-run acc1 trend. */
export const CHART_EXTRAS: ReportExtras = {
  intervals: { basic: { acc1: { lo: 0.4, hi: 0.8 } } },
  history: ['r1', 'r2'].map((runId, i) => ({
    runId,
    createdAt: `2024-01-0${i + 1}T00:00:00Z`,
    promptSet: 'basic',
    metric: 'acc1' as const,
    value: 0.5 + i / 10,
  })),
};
