#!/usr/bin/env node
// Size and open time of the HTML report for a large run: 10,000 images, three prompt files.
// Default: a synthetic results.json over the real Fashion-MNIST test set (Debian's
// dataset-fashion-mnist, so thumbnails are real), with predictions drawn at three accuracy levels.
// --real instead runs `bench run --dataset fashion-mnist` with the tiny fixture model (~1 min).
// Prints the report's size, the time to build it, and the time headless chromium takes to open it
// (navigation start to load event, and to every chart visible).
// Usage: npm run build && node bench/report.mjs [--items 10000] [--real] [--runs 5] [--keep]
/* global document -- the functions openTimes passes to page.waitForFunction run in the page (Playwright) */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fashionRunArgs, median, readResults, root, runBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    real: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const CHROMIUM = '/usr/bin/chromium';
const IDX = '/usr/share/datasets/fashion-mnist';
const PROMPTS = ['prompts/basic.hbs', 'prompts/imagenet-80.hbs', 'prompts/fashion-catalogue.hbs'];
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
const { writeReport } = await import(path.join(root, 'dist/report/index.js'));

/** mulberry32: a seeded generator, so every run of the benchmark builds the same report. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function datasetItems(count) {
  if (!existsSync(IDX)) {
    console.warn(`${IDX} is missing (apt-get install dataset-fashion-mnist): the report will have no thumbnails`);
    return {
      path: path.join(work, 'missing-dataset'),
      format: 'folder',
      classNames: Array.from({ length: 10 }, (_, i) => `class ${i}`),
      items: Array.from({ length: count }, (_, i) => ({ id: `img/${i}.png`, label: i % 10 })),
    };
  }
  const { loadDataset } = await import(path.join(root, 'dist/datasets/index.js'));
  const data = await loadDataset('fashion-mnist', { cwd: root, datasetsDir: path.join(root, 'datasets') });
  return {
    path: data.root,
    format: 'idx',
    classNames: data.classNames,
    items: data.items.slice(0, count).map((i) => ({ id: i.id, label: i.label })),
  };
}

/** Top-5 predictions: correct with probability `accuracy` (varied per class), else a confusable neighbour. */
function predict(random, label, classes, accuracy) {
  const right = random() < accuracy;
  const top = right ? label : (label + 1 + Math.floor(random() * 3)) % classes;
  const rest = [...Array(classes).keys()].filter((c) => c !== top).sort(() => random() - 0.5);
  const raw = [0.5 + random() * 0.5, ...rest.map(() => random() * 0.3).sort((a, b) => b - a)];
  const total = raw.reduce((a, b) => a + b, 0);
  return [top, ...rest].slice(0, 5).map((c, i) => ({ c, prob: raw[i] / total }));
}

function promptSetResult(name, file, names, items, preds) {
  const n = names.length;
  const confusion = names.map(() => new Array(n).fill(0));
  items.forEach((it, i) => confusion[it.label][preds[i][0].c]++);
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const recall = confusion.map((row, c) => (support[c] === 0 ? null : row[c] / support[c]));
  const valid = recall.filter((r) => r !== null);
  return {
    name,
    file,
    templates: [`a photo of a {{label}} (${name}).`],
    prompts: Object.fromEntries(names.map((c) => [c, [`a photo of a ${c} (${name}).`]])),
    truncatedPrompts: [],
    metrics: {
      acc1: items.filter((it, i) => preds[i][0].c === it.label).length / items.length,
      acc5: items.filter((it, i) => preds[i].some((p) => p.c === it.label)).length / items.length,
      mean_per_class_recall: valid.reduce((a, b) => a + b, 0) / valid.length,
    },
    perClass: names.map((label, c) => ({ label, recall: recall[c], support: support[c] })),
    confusion: { labels: names, matrix: confusion },
  };
}

async function syntheticResults(count) {
  const data = await datasetItems(count);
  const random = prng(7);
  const sets = PROMPTS.map((p, s) => ({ name: path.basename(p, '.hbs'), file: path.join(root, p), accuracy: [0.62, 0.7, 0.74][s] }));
  // Each prompt file helps some classes and hurts others, as real templates do.
  const bias = sets.map(() => data.classNames.map(() => random() * 0.4 - 0.2));
  const preds = sets.map((set, s) =>
    data.items.map((it) => predict(random, it.label, data.classNames.length, set.accuracy + bias[s][it.label])),
  );
  return {
    schemaVersion: 1,
    run: {
      id: 'synthetic-10k',
      createdAt: new Date().toISOString(),
      toolVersion: 'bench',
      durationMs: 60000,
      model: { id: 'synthetic', kind: 'local', dtype: 'fp32', onnxSha256: {} },
      preprocess: { mode: 'clip', size: 224, cropSize: 224, mean: [0.48, 0.46, 0.41], std: [0.27, 0.26, 0.28] },
      dataset: {
        name: 'fashion-mnist',
        format: data.format,
        path: data.path,
        itemCount: data.items.length,
        classNames: data.classNames,
        limit: null,
        perClass: null,
      },
      cache: { location: null, images: { fromCache: 0, computed: data.items.length }, texts: { fromCache: 0, computed: 30 } },
      seed: 0,
      batchSize: 32,
      threads: os.availableParallelism(),
    },
    promptSets: sets.map((set, s) => promptSetResult(set.name, set.file, data.classNames, data.items, preds[s])),
    items: data.items.map((it, i) => ({
      id: it.id,
      label: data.classNames[it.label],
      predictions: Object.fromEntries(
        sets.map((set, s) => [set.name, preds[s][i].map((p) => ({ label: data.classNames[p.c], prob: p.prob }))]),
      ),
    })),
    errors: [],
  };
}

function realRun(count) {
  const out = path.join(work, 'runs');
  const model = 'test/fixtures/tiny-clip';
  runBench(fashionRunArgs({ prompts: PROMPTS, limit: count, model, cacheDir: path.join(work, 'cache'), out }), { what: 'bench run' });
  return readResults(out);
}

async function openTimes(file, runs) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const times = [];
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const started = performance.now();
    await page.goto(`file://${file}`, { waitUntil: 'commit' });
    // In-page clock (0 = navigation start): the first frame where every shown chart has a size.
    const visible = await (
      await page.waitForFunction(
        () => {
          const charts = [...document.querySelectorAll('figure[data-chart]:not([hidden]) svg')];
          return charts.length > 0 && charts.every((s) => s.getBoundingClientRect().width > 0) && performance.now();
        },
        undefined,
        { polling: 'raf' },
      )
    ).jsonValue();
    await page.waitForLoadState('load');
    const wall = performance.now() - started;
    const load = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    const gallery = await (
      await page.waitForFunction(() => {
        const expected = JSON.parse(document.getElementById('report-data').textContent).items.length;
        const cards = document.querySelectorAll('#gallery-grid article').length;
        return cards === expected && cards;
      })
    ).jsonValue();
    times.push({ fcp, load, visible, wall, gallery });
    await page.close();
  }
  await browser.close();
  return times;
}

const count = Number(values.items);
const results = values.real ? realRun(count) : await syntheticResults(count);
writeFileSync(path.join(work, 'results.json'), JSON.stringify(results));
const started = performance.now();
// The report loads no dataset itself: like `bench report`, the caller passes the images.
const { loadDataset } = await import(path.join(root, 'dist/datasets/index.js'));
const images = existsSync(IDX)
  ? { dataset: await loadDataset(results.run.dataset.path, { cwd: root, datasetsDir: path.join(root, 'datasets') }) }
  : { none: `${IDX} is missing` };
const written = await writeReport(results, work, { images });
const buildMs = performance.now() - started;
const bytes = statSync(written.html).size;
console.log(
  `${values.real ? 'real run' : 'synthetic results'}: ${results.items.length} images, ${results.promptSets.length} prompt files, ${results.run.dataset.classNames.length} classes`,
);
if (written.thumbnailNote) console.log(`note: ${written.thumbnailNote}`);
console.log(`report: ${written.html}`);
console.log(`size: ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes; limit 5 MB) · built in ${(buildMs / 1000).toFixed(2)} s`);
if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is missing (apt-get install chromium): open time not measured`);
} else {
  const times = await openTimes(written.html, Number(values.runs));
  const ms = (key) => `${median(times.map((t) => t[key])).toFixed(0)} ms`;
  console.log(
    `open, median of ${times.length} (limit 2000 ms): navigation to first paint ${ms('fcp')}, to load event ${ms('load')}, to every chart visible ${ms('visible')}; wall time to load incl. new tab ${ms('wall')}; gallery cards: ${times[0].gallery}`,
  );
}
if (!values.keep) rmSync(work, { recursive: true, force: true });
