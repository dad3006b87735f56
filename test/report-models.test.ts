import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportImages } from '../src/report/index.js';
import { modelGridChart, recallDiffChart, speedChart } from '../src/report/modelCharts.js';
import { buildModelsView } from '../src/report/modelsData.js';
import { multiModelResultsSchema, type MultiModelResults } from '../src/results/multiModelSchema.js';
import type { Results } from '../src/results/schema.js';
import { wilsonInterval } from '../src/stats/index.js';
import { bench, tempDir, topResults } from './helpers.js';

const HOSTILE = '<img src=x onerror=alert(1)>@fp32';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;@fp32';
const NO_IMAGES: ReportImages = { none: 'No dataset in this test' };
const CLASSES = ['cat', 'dog', 'bird'];
const SETS = ['basic', 'ensemble'];
const KEYS = ['alpha@fp32', HOSTILE, 'gamma@q8'];
/** Images each model gets right, per prompt file: the first n of the ten (acc1 = n / 10). */
const CORRECT: readonly (readonly [number, number])[] = [
  [6, 8],
  [9, 4],
  [5, 10],
];
const NOT_MEASURED = 'speed not measured (all images came from the cache; rerun with --no-cache)';

/** One model's version-1 results: item i is of class i mod 3; a wrong answer is the next class. */
function modelResults(key: string, [basic, ensemble]: readonly [number, number]): Results {
  const items = Array.from({ length: 10 }, (_, i) => {
    const label = CLASSES[i % 3]!;
    const wrong = CLASSES[(i + 1) % 3]!;
    return { id: `${label}/${i}.png`, label, top: [i < basic ? label : wrong, i < ensemble ? label : wrong] };
  });
  return topResults({
    classes: CLASSES,
    items,
    sets: SETS,
    promptSuffix: '',
    acc5: null,
    topProb: 0.6,
    restProb: 0.4,
    runId: 'multi-run',
    modelId: key.split('@')[0]!,
    datasetName: 'animals',
    datasetPath: '/nonexistent/dataset',
    textsComputed: 6,
    durationMs: 100,
    errors: [],
  });
}

const COSTS = [
  { loadSeconds: 1.234, imagesComputed: 10, imagesPerSecond: 120.4, parameters: 151_277_313, onnxBytes: 605_123_456 },
  { loadSeconds: 0.5, imagesComputed: 0, imagesPerSecond: null, parameters: 12_345, onnxBytes: 98_765 },
  { loadSeconds: 2, imagesComputed: 10, imagesPerSecond: 1500, parameters: 87_849_000, onnxBytes: 90_000_000 },
];

function multiResults(): MultiModelResults {
  const file = {
    schemaVersion: 2,
    task: 'classification',
    run: { id: 'multi-run', createdAt: '2024-01-02T03:04:05.000Z', toolVersion: '0.0.0', durationMs: 4321, imagesPreprocessed: 10 },
    models: KEYS.map((key, i) => ({ key, cost: COSTS[i]!, results: modelResults(key, CORRECT[i]!) })),
    modelContrasts: [
      {
        promptSet: 'basic',
        model: 'alpha@fp32',
        against: HOSTILE,
        delta: -0.3,
        interval: { lo: -0.6, hi: -0.05 },
        pValue: 0.03125,
        lost: 3,
        gained: 0,
        significant: true,
      },
      {
        promptSet: 'ensemble',
        model: HOSTILE,
        against: 'gamma@q8',
        delta: -0.6,
        interval: { lo: -0.9, hi: 0.02 },
        pValue: 0.0625,
        lost: 6,
        gained: 0,
        significant: false,
      },
    ],
    dtypeChecks: [
      {
        model: 'gamma',
        dtype: 'q8',
        reference: 'fp32',
        promptSet: 'basic',
        top1Agreement: 0.9,
        acc1Delta: -0.1,
        interval: { lo: -0.3, hi: 0.1 },
        pValue: 0.5,
        significant: false,
        imageCosine: { min: 0.98765, mean: 0.99512 },
        speedRatio: 1.8765,
      },
    ],
  };
  // Through the schema, so the hand-made file is one `bench report` accepts.
  return multiModelResultsSchema.parse(file);
}

function section(page: string, id: string): string {
  const found = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(page);
  expect(found, `the page has no section #${id}`).not.toBeNull();
  return found![0];
}

/** The inline JSON the gallery is drawn from. */
function galleryData(page: string): { sets: string[] } {
  return JSON.parse(/id="report-data">(.*?)<\/script>/s.exec(page)![1]!) as { sets: string[] };
}

describe('report of several models: view and charts', () => {
  const view = buildModelsView(multiResults());

  it('has one grid cell per (model, prompt file), with acc1 and its Wilson 95% interval', () => {
    const values = (modelGridChart(view).data as { values: { model: string; promptSet: string; acc1: number; text: string }[] }).values;
    expect(values).toHaveLength(KEYS.length * SETS.length);
    for (const [m, key] of KEYS.entries()) {
      for (const [s, set] of SETS.entries()) {
        const n = CORRECT[m]![s]!;
        const { lo, hi } = wilsonInterval(n, 10);
        const cell = values.find((v) => v.model === key && v.promptSet === set);
        expect(cell?.acc1).toBe(n / 10);
        expect(cell?.text).toBe(`${(n * 10).toFixed(1)}% [${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)}]`);
      }
    }
    expect(values.find((v) => v.model === 'alpha@fp32' && v.promptSet === 'basic')?.text).toBe('60.0% [31.3–83.2]');
  });

  it('puts one point per model with a measured speed on the accuracy-vs-speed chart, on a log axis when speeds differ tenfold', () => {
    const spec = speedChart(view, 'ensemble') as { data: { values: unknown[] }; encoding: { x: { scale: { type?: string } } } };
    expect(spec.data.values).toEqual([
      { model: 'alpha@fp32', imagesPerSecond: 120.4, acc1: 0.8 },
      { model: 'gamma@q8', imagesPerSecond: 1500, acc1: 1 },
    ]);
    expect(spec.encoding.x.scale.type).toBe('log');
  });

  it('diffs per-class recall against the first model, per prompt file and later model, in signed points', () => {
    expect(view.diffs.map((d) => [d.promptSet, d.model, d.against])).toEqual([
      ['basic', HOSTILE, 'alpha@fp32'],
      ['basic', 'gamma@q8', 'alpha@fp32'],
      ['ensemble', HOSTILE, 'alpha@fp32'],
      ['ensemble', 'gamma@q8', 'alpha@fp32'],
    ]);
    // Recall of alpha: basic cat 2/4, dog 2/3, bird 2/3; ensemble cat 3/4, dog 3/3, bird 2/3.
    const expected: Record<string, number>[] = [
      { cat: 25, dog: 100 / 3, bird: 100 / 3 },
      { cat: 0, dog: 0, bird: -100 / 3 },
      { cat: -25, dog: -200 / 3, bird: -100 / 3 },
      { cat: 25, dog: 0, bird: 100 / 3 },
    ];
    view.diffs.forEach((diff, i) => {
      const spec = recallDiffChart(diff) as { data: { values: { label: string; points: number; text: string }[] } };
      const points = Object.fromEntries(spec.data.values.map((v) => [v.label, v.points]));
      expect(Object.keys(points).sort()).toEqual([...CLASSES].sort());
      for (const label of CLASSES) expect(points[label]).toBeCloseTo(expected[i]![label]!, 9);
    });
    const texts = (recallDiffChart(view.diffs[2]!).data as { values: { label: string; text: string }[] }).values;
    expect(texts.map((v) => [v.label, v.text])).toEqual([
      ['dog', '−66.7'],
      ['bird', '−33.3'],
      ['cat', '−25.0'],
    ]);
  });
});

describe('report of several models: page, summary, metrics', () => {
  it('shows the grid, costs, speed, recall diffs, comparisons and dtype checks, with links, before the prompt files', async () => {
    const built = await buildReport(multiResults(), { images: NO_IMAGES });
    const page = built.html;
    expect([...page.matchAll(/<nav class="toc">(.*?)<\/nav>/gs)][0]![1]).toMatch(
      /^<a href="#models">Models<\/a><a href="#speed">Accuracy vs speed<\/a><a href="#model-recall">.*<a href="#model-contrasts">.*<a href="#dtype-checks">.*<a href="#prompt-files">/,
    );
    expect(page.indexOf('<section id="dtype-checks">')).toBeLessThan(page.indexOf('<section id="prompt-files">'));

    const models = section(page, 'models');
    expect(models).toContain('data-chart="models-grid"');
    expect(models).toContain('60.0% [31.3–83.2]'); // in the grid's SVG
    expect(models).toContain('<td class="num">120</td><td class="num">1.2</td><td class="num">151.3 M</td><td class="num">605.1 MB</td>');
    expect(models).toContain('<td class="num">60.0%</td><td class="num">–</td><td class="num">60.0%</td><td class="num">80.0%</td>');
    expect(models).toContain(`<b>${ESCAPED}</b></td><td class="num">not measured</td>`);

    const speed = section(page, 'speed');
    expect(speed.match(/data-chart="models-speed"/g)).toHaveLength(SETS.length);
    expect(speed).toContain(
      '<select data-switch="model-speed"><option value="set-0">basic</option><option value="set-1">ensemble</option></select>',
    );
    expect(speed).toContain(`<p class="note"><b>${ESCAPED}</b>: ${NOT_MEASURED}.</p>`);

    const recall = section(page, 'model-recall');
    expect(recall).toContain('<h2>Per-class recall vs alpha@fp32</h2>');
    expect(recall.match(/<option value="diff-\d">/g)).toHaveLength(4);
    expect(recall).toContain(`<option value="diff-0">${ESCAPED} vs alpha@fp32 · basic</option>`);
    expect(recall.match(/data-group="model-recall"/g)).toHaveLength(4);
    expect(recall.match(/ hidden>/g)).toHaveLength(3);

    const contrasts = section(page, 'model-contrasts');
    expect(contrasts).toContain(
      `<td>basic</td><td><b>alpha@fp32</b></td><td>${ESCAPED}</td><td class="num">-30.0</td><td class="num">[-60.0, -5.0]</td><td class="num">0.031</td><td class="num">3 / 0</td><td>significant</td>`,
    );
    expect(contrasts).toContain(
      '<td class="num">[-90.0, +2.0]</td><td class="num">0.063</td><td class="num">6 / 0</td><td>within noise</td>',
    );

    const dtype = section(page, 'dtype-checks');
    expect(dtype).toContain(
      '<td><b>gamma</b></td><td>q8 vs fp32</td><td>basic</td><td class="num">90.0%</td><td class="num">-10.0 [-30.0, +10.0]</td><td class="num">0.500</td><td class="num">0.9877 / 0.9951</td><td class="num">1.88×</td>',
    );
  });

  it('escapes a hostile model key everywhere: tables, selects, charts, gallery data', async () => {
    const built = await buildReport(multiResults(), { images: NO_IMAGES });
    expect(built.html).not.toContain('<img src=x');
    expect(built.html.match(/<script/g)).toHaveLength(2);
    expect(built.summary).not.toContain('<img');
    expect(built.summary).toContain(`| ${ESCAPED} | not measured | 90.00% | 40.00% |`);
  });

  it('extends the flat sections to every (model, prompt file) pair: gallery selector, metrics.csv, summary.md', async () => {
    const built = await buildReport(multiResults(), { images: NO_IMAGES });
    const pairs = KEYS.flatMap((k) => SETS.map((s) => `${k} · ${s}`));
    expect(galleryData(built.html).sets).toEqual(pairs);
    expect(section(built.html, 'confusion').match(/<option /g)).toHaveLength(pairs.length);
    const rows = Papa.parse<Record<string, string>>(built.csv, { header: true, skipEmptyLines: true }).data;
    expect(rows.find((r) => r.prompt_set === 'gamma@q8 · ensemble' && r.metric === 'acc1')?.value).toBe('1');
    expect(rows.filter((r) => r.metric === 'recall')).toHaveLength(pairs.length * CLASSES.length);
    expect(built.summary).toContain('| model | images/s | acc1 basic | acc1 ensemble |');
    expect(built.summary).toContain('| alpha@fp32 | 120 | 60.00% | 80.00% |');
    expect(built.summary).toContain('| gamma@q8 | 1500 | 50.00% | 100.00% |');
    expect(built.summary).toContain('| gamma | q8 | basic | 90.0% | -10.0 [-30.0, +10.0] | 0.500 |');
  });

  it('leaves the comparison and dtype sections out when the run has none', async () => {
    const page = (await buildReport({ ...multiResults(), modelContrasts: [], dtypeChecks: [] }, { images: NO_IMAGES })).html;
    for (const id of ['model-contrasts', 'dtype-checks']) {
      expect(page).not.toContain(`id="${id}"`);
      expect(page).not.toContain(`href="#${id}"`);
    }
    expect(page).toContain('<section id="models">');
  });

  it('gives a version-1 file the page it always had, without any models section', async () => {
    const page = (await buildReport(modelResults('alpha@fp32', [6, 8]), { images: NO_IMAGES })).html;
    expect(page).toContain('<h1>Which prompt wins?</h1>');
    expect([...page.matchAll(/<a href="#([^"]+)">/g)].map((m) => m[1])).toEqual([
      'prompt-files',
      'metrics',
      'per-class',
      'confusion',
      'disagreements',
      'gallery',
    ]);
    for (const id of ['models', 'speed', 'model-recall', 'model-contrasts', 'dtype-checks']) expect(page).not.toContain(`id="${id}"`);
  });
});

describe('bench report of several models', () => {
  it('accepts a version-2 results.json and writes the report beside it', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(multiResults()));
    const cli = bench(['report', dir]);
    expect(cli.stderr).toMatch(/warning: The dataset could not be read from \/nonexistent\/dataset/);
    expect(cli.status).toBe(0);
    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(page).toContain('<section id="models">');
    expect(page).toContain('Whiskers show 95% intervals.');
    for (const name of ['summary.md', 'metrics.csv']) expect(existsSync(path.join(dir, name))).toBe(true);
  });

  it('refuses a version-2 file the schema does not accept, with exit code 2', () => {
    const file = path.join(tempDir(), 'results.json');
    writeFileSync(file, JSON.stringify({ ...multiResults(), models: 'none' }));
    const cli = bench(['report', file]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('models');
  });
});
