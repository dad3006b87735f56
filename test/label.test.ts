import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/results/schema.js';
import { DEMO_DATASET, ROOT, bench, runDirs, tempDir } from './helpers.js';

/** bench label and bench run are compared on the bundled demo model, as a user runs them. */
const DEMO_MODEL = path.join(ROOT, 'models/fashion-clip-mini');
const HOLD_ENV = 'CLIPBENCH_HOLD_AFTER_BATCHES';
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

interface JsonlRow {
  readonly image: string;
  readonly top: { readonly label: string; readonly prob: number }[];
  readonly margin: number;
  readonly uncertain: boolean;
}

function labelArgs(images: string, cache: string, out: string, ...rest: string[]): string[] {
  return [
    'label',
    '--images',
    images,
    '--prompts',
    'prompts/basic.hbs',
    '--model',
    DEMO_MODEL,
    '--cache-dir',
    cache,
    '--out',
    out,
    ...rest,
  ];
}

/** The one label-<id> folder under `out`. */
function labelDir(out: string): string {
  const dirs = runDirs(out).filter((d) => d.startsWith('label-'));
  expect(dirs).toHaveLength(1);
  return path.join(out, dirs[0]!);
}

function readRows(dir: string): JsonlRow[] {
  return readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JsonlRow);
}

/** bench run's top-1 prediction for each image id, with prompts/basic.hbs. */
function runTop1(dataset: string, cache: string, ...rest: string[]): Map<string, string> {
  const out = tempDir('reports-');
  const r = bench([
    'run',
    '--prompts',
    'prompts/basic.hbs',
    '--dataset',
    dataset,
    '--model',
    DEMO_MODEL,
    '--cache-dir',
    cache,
    '--out',
    out,
    ...rest,
  ]);
  expect(r.status, r.stderr).toBe(0);
  const results = JSON.parse(readFileSync(path.join(out, runDirs(out).at(-1)!, 'results.json'), 'utf8')) as Results;
  return new Map(results.items.map((item) => [item.id, item.predictions.basic![0]!.label]));
}

function storedImages(cache: string): number {
  const file = path.join(cache, 'embeddings.sqlite');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare("SELECT count(*) AS n FROM embeddings WHERE kind = 'image'").get() as { n: number }).n;
  } catch (error) {
    if (error instanceof Error && /^no such table: /.test(error.message)) return 0;
    throw error;
  } finally {
    db.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('bench label', () => {
  const cache = tempDir('cache-');
  const out = tempDir('labels-');
  let firstDir = '';
  // The demo set's class names in label order, as a user would list them for an unlabelled set.
  const classes = path.join(tempDir('classes-'), 'classes.txt');
  const names = Object.values(JSON.parse(readFileSync(path.join(DEMO_DATASET, 'classnames.json'), 'utf8')) as Record<string, string>);
  writeFileSync(classes, `${names.join('\n')}\n`);

  it('labels the demo set as bench run predicts it, with the classes from --classes', () => {
    const r = bench(labelArgs(DEMO_DATASET, cache, out, '--classes', classes));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 images and 0 prompts from the cache, 1000 images and 10 prompts computed');
    firstDir = labelDir(out);
    const rows = readRows(firstDir);
    expect(rows).toHaveLength(1000);
    const expected = runTop1(DEMO_DATASET, tempDir('cache-'));
    expect(new Map(rows.map((row) => [row.image, row.top[0]!.label]))).toEqual(expected);
    for (const row of rows) {
      expect(row.top).toHaveLength(3);
      expect(row.margin).toBe(row.top[0]!.prob - row.top[1]!.prob);
      expect(row.uncertain).toBe(false);
    }
    const csv = readFileSync(path.join(firstDir, 'labels.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('image,label,prob,margin,uncertain,top1_label,top1_prob,top2_label,top2_prob,top3_label,top3_prob');
    const first = rows[0]!;
    expect(csv[1]).toBe(
      [first.image, first.top[0]!.label, first.top[0]!.prob, first.margin, 'false', ...first.top.flatMap((t) => [t.label, t.prob])].join(
        ',',
      ),
    );
    expect(csv.filter((l) => l !== '')).toHaveLength(1001);
  });

  it('killed with SIGKILL mid-run, the rerun computes only the missing batches and writes identical labels', async () => {
    const killedCache = tempDir('cache-');
    const killedOut = tempDir('labels-');
    const args = labelArgs(DEMO_DATASET, killedCache, killedOut, '--classes', classes, '--batch-size', '50');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/bench.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: '1', [HOLD_ENV]: '3' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const start = Date.now();
    while (storedImages(killedCache) < 150) {
      if (child.exitCode !== null) throw new Error(`exited first:\n${stderr}`);
      if (Date.now() - start > 60_000) throw new Error(`timed out:\n${stderr}`);
      await sleep(20);
    }
    child.kill('SIGKILL');
    await exited;
    expect(storedImages(killedCache)).toBe(150);
    // The killed run's folder holds its unfinished temporary file only: no half-written labels.
    for (const d of runDirs(killedOut)) expect(readdirSync(path.join(killedOut, d)).filter((f) => !f.endsWith('.tmp'))).toEqual([]);
    const resumeOut = tempDir('labels-');
    const rerun = bench(labelArgs(DEMO_DATASET, killedCache, resumeOut, '--classes', classes, '--batch-size', '50'));
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('150 images and 10 prompts from the cache, 850 images and 0 prompts computed');
    const resumed = labelDir(resumeOut);
    for (const file of ['labels.csv', 'labels.jsonl']) {
      expect(readFileSync(path.join(resumed, file), 'utf8')).toBe(readFileSync(path.join(firstDir, file), 'utf8'));
    }
  });

  it('marks an image uncertain exactly when its top-1 probability is below --min-prob or its margin below --min-margin', () => {
    const rows = readRows(firstDir);
    // Thresholds at the 10th and 20th percentiles of the first run's numbers: each test alone marks some images.
    const probs = rows.map((r) => r.top[0]!.prob).sort((a, b) => a - b);
    const margins = rows.map((r) => r.margin).sort((a, b) => a - b);
    const [minProb, minMargin] = [probs[100]!, margins[200]!];
    const thresholdsOut = tempDir('labels-');
    const thresholds = ['--min-prob', String(minProb), '--min-margin', String(minMargin), '--top-k', '1'];
    const r = bench(labelArgs(DEMO_DATASET, cache, thresholdsOut, '--classes', classes, ...thresholds));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('1000 images and 10 prompts from the cache, 0 images and 0 prompts computed');
    const marked = readRows(labelDir(thresholdsOut));
    const byProb = marked.filter((m) => m.top[0]!.prob < minProb).length;
    const byMargin = marked.filter((m) => m.margin < minMargin).length;
    expect(byProb).toBeGreaterThan(0);
    expect(byMargin).toBeGreaterThan(byProb);
    marked.forEach((m, i) => {
      expect(m.top).toHaveLength(1);
      expect(m.uncertain).toBe(m.top[0]!.prob < minProb || m.margin < minMargin);
      expect(m.margin).toBe(rows[i]!.margin);
    });
    expect(marked.filter((m) => m.uncertain).length).toBeGreaterThanOrEqual(byMargin);
  });

  it('labels a plain folder of images, escapes a hostile file name on the page, and lists a corrupt image', () => {
    const folder = tempDir('plain-');
    // For each class, the first demo image the first run labelled as that class: its label here is known.
    const first = readRows(firstDir);
    const chosen = ['Bag', 'Sneaker', 'Trouser'].map((label) => first.find((row) => row.top[0]!.label === label)!);
    chosen.forEach((row, i) => copyFileSync(path.join(DEMO_DATASET, row.image), path.join(folder, `img${i}.png`)));
    const hostile = '<img src=x onerror=alert(1)>.png';
    copyFileSync(path.join(DEMO_DATASET, chosen[0]!.image), path.join(folder, hostile));
    writeFileSync(path.join(folder, 'broken.png'), 'not a png');
    const plainOut = tempDir('labels-');
    const classes = path.join(folder, 'classes.txt');
    writeFileSync(classes, 'Bag\nSneaker\nTrouser\n');
    const r = bench(labelArgs(folder, tempDir('cache-'), plainOut, '--classes', classes));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 image(s) could not be read and have no label');
    expect(r.stdout).toContain('broken.png');
    const dir = labelDir(plainOut);
    const rows = readRows(dir);
    expect(rows.map((row) => [row.image, row.top[0]!.label])).toEqual([
      [hostile, 'Bag'],
      ['img0.png', 'Bag'],
      ['img1.png', 'Sneaker'],
      ['img2.png', 'Trouser'],
    ]);
    expect(readFileSync(path.join(dir, 'errors.csv'), 'utf8')).toMatch(/^image,reason\nbroken\.png,/);
    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;.png');
    expect(page).toContain('broken.png');
    expect(page).toMatch(/src="data:image\/png;base64,/);
  });

  it.skipIf(!existsSync(path.join(FASHION_MNIST, 't10k-images-idx3-ubyte.gz')))(
    'labels the 10,000 Fashion-MNIST test images as bench run predicts them',
    () => {
      const bigCache = tempDir('cache-');
      const bigOut = tempDir('labels-');
      const r = bench(labelArgs('fashion-mnist', bigCache, bigOut));
      expect(r.status, r.stderr).toBe(0);
      const rows = readRows(labelDir(bigOut));
      expect(rows).toHaveLength(10_000);
      expect(new Map(rows.map((row) => [row.image, row.top[0]!.label]))).toEqual(runTop1('fashion-mnist', bigCache));
    },
    300_000,
  );
});
