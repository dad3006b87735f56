import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { colourOf } from '../src/report/charts.js';
import { buildModel } from '../src/report/data.js';
import { escapeHtml } from '../src/report/html.js';
import { buildReport, type ReportImages } from '../src/report/index.js';
import type { Results } from '../src/results/schema.js';
import { tempDir, topResults, BROWSER_FLAGS, CHROMIUM } from './helpers.js';

const HOSTILE_TEMPLATE = '<b>{{label}}</b> & "x"';
const HOSTILE_NAME = '<i>ens</i> & "set"';
const NO_IMAGES: ReportImages = { none: 'No dataset in this test' };
const CLASSES = ['cat', 'dog', 'bird'];
/** The multi-template file's templates alone, in file order; the ensemble scores 0.7. */
const ALONE = [
  { line: 3, template: 'a photo of a {{label}}.', metrics: { acc1: 0.6, acc5: 0.9, mean_per_class_recall: 0.55 } },
  { line: 4, template: HOSTILE_TEMPLATE, metrics: { acc1: 0.2, acc5: null, mean_per_class_recall: 0.25 } },
  { line: 6, template: 'a drawing of a {{label}}.', metrics: { acc1: 0.4, acc5: 1, mean_per_class_recall: 0.35 } },
];
const ENSEMBLE = { acc1: 0.7, acc5: null, mean_per_class_recall: 0.65 };

/** A one-template file first and a three-template one second, so the dots' colour is not just the first in the palette. */
function results(withPerTemplate = true): Results {
  const base = topResults({
    classes: CLASSES,
    items: CLASSES.map((label, i) => ({ id: `${label}/${i}.png`, label, top: [label, CLASSES[(i + 1) % 3]!] })),
    sets: ['single', HOSTILE_NAME],
    promptSuffix: '',
    acc5: null,
    topProb: 0.8,
    restProb: 0.2,
    runId: 'templates-run',
    modelId: 'model',
    datasetName: 'data',
    datasetPath: '/nonexistent/dataset',
    textsComputed: 4,
    durationMs: 10,
    errors: [],
  });
  const [single, multi] = base.promptSets;
  const promptSets = [
    { ...single!, ...(withPerTemplate ? { perTemplate: [{ line: 1, template: single!.templates[0]!, metrics: single!.metrics }] } : {}) },
    { ...multi!, templates: ALONE.map((t) => t.template), metrics: ENSEMBLE, ...(withPerTemplate ? { perTemplate: ALONE } : {}) },
  ];
  return { ...base, promptSets };
}

function section(page: string): string {
  const found = /<section id="templates">[\s\S]*?<\/section>/.exec(page);
  expect(found, 'the page has no Templates section').not.toBeNull();
  return found![0];
}

/** Body rows of the section's tables, each as its cells' inner HTML. */
function bodyRows(html: string): string[][] {
  const bodies = [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].map((m) => m[1]!);
  return bodies.flatMap((b) =>
    [...b.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!)),
  );
}

describe('report: Templates section', () => {
  it('carries the scores of multi-template prompt files only, with their median', () => {
    const model = buildModel(results());
    expect(model.templateSets).toHaveLength(1);
    expect(model.templateSets[0]).toMatchObject({
      promptSet: HOSTILE_NAME,
      index: 1,
      ensemble: ENSEMBLE,
      templates: ALONE,
      medianAcc1: 0.4,
    });
  });

  it('shows each template alone against the ensemble, in file order, with user text as text', async () => {
    const page = (await buildReport(results(), { images: NO_IMAGES })).html;
    const s = section(page);
    expect(page.indexOf('id="metrics"')).toBeLessThan(page.indexOf('id="templates"'));
    expect(page.indexOf('id="templates"')).toBeLessThan(page.indexOf('id="per-class"'));
    expect(page).toContain('<a href="#templates">Templates</a>');
    expect(s.match(/<table data-sortable>/g)).toHaveLength(1); // the one-template file has no table
    const rows = bodyRows(s);
    expect(rows.map((r) => r[0])).toEqual(['3', '4', '6']);
    expect(rows.map((r) => r[1])).toEqual(ALONE.map((t) => `<code class="template">${escapeHtml(t.template)}</code>`));
    expect(rows.map((r) => r.slice(2))).toEqual([
      ['60.00%', '90.00%', '55.00%', '-10.00 pts'],
      ['20.00%', '–', '25.00%', '-50.00 pts'],
      ['40.00%', '100.00%', '35.00%', '-30.00 pts'],
    ]);
    expect(s).toContain('<td class="num" data-value="0.2">20.00%</td><td class="num" data-value="">–</td>');
    expect(s).toMatch(/<tfoot><tr class="ensemble"><td><\/td><td>ensemble of all 3<\/td><td class="num" data-value="0.7">70.00%<\/td>/);
    expect(s).toContain(`<b>${escapeHtml(HOSTILE_NAME)}</b>: 3 templates · ensemble acc1 70.00% · median alone 40.00%`);
    expect(page).not.toContain(HOSTILE_TEMPLATE);
    expect(page).not.toContain(HOSTILE_NAME);
    expect(/<b>\{\{label\}\}|<i>ens/.exec(page)?.[0]).toBeUndefined();
  });

  it('draws one dot per template in the prompt file colour, and one ensemble and median line per file', async () => {
    const s = section((await buildReport(results(), { images: NO_IMAGES })).html);
    const layer = (name: string): string => {
      const found = new RegExp(`<g class="mark-[a-z]+ role-mark ${name}_marks"[^>]*>([\\s\\S]*?)</g>`).exec(s);
      expect(found, `no ${name} layer in the chart`).not.toBeNull();
      return found![1]!;
    };
    const dots = layer('template_dots').match(/<path [^>]*>/g) ?? [];
    expect(dots).toHaveLength(ALONE.length);
    for (const dot of dots) expect(dot).toContain(`fill="${colourOf(1)}"`);
    expect(layer('ensemble').match(/<path [^>]*>/g)).toHaveLength(1);
    expect(layer('template_median').match(/<path [^>]*>/g)).toHaveLength(1);
  });

  it('leaves the section out for results written before per-template scores', async () => {
    const old = results(false);
    expect(buildModel(old).templateSets).toEqual([]);
    const page = (await buildReport(old, { images: NO_IMAGES })).html;
    expect(page).toContain('id="metrics"');
    expect(/id="templates"|href="#templates"|data-chart="templates"|<table data-sortable/.exec(page)?.[0]).toBeUndefined();
  });
});

describe.skipIf(!existsSync(CHROMIUM))('Templates table in headless chromium', () => {
  it('sorts by acc1 on a click on its heading, reverses on a second', async () => {
    const file = path.join(tempDir('report-templates-'), 'index.html');
    writeFileSync(file, (await buildReport(results(), { images: NO_IMAGES })).html);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_FLAGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      const lines = (): Promise<string[]> => page.locator('#templates tbody tr td:first-child').allTextContents();
      expect(await lines()).toEqual(['3', '4', '6']);
      const acc1 = page.locator('#templates th', { hasText: /^acc1$/ });
      await acc1.click();
      expect(await lines()).toEqual(['3', '6', '4']);
      expect(await acc1.getAttribute('aria-sort')).toBe('descending');
      await acc1.click();
      expect(await lines()).toEqual(['4', '6', '3']);
      await page.locator('#templates th', { hasText: 'acc5' }).click();
      expect(await lines()).toEqual(['6', '3', '4']); // the template without acc5 goes last
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
