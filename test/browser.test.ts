import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { DEMO_DATASET, ROOT, TINY_MODEL, smallFolderDataset, tempDir, BROWSER_FLAGS, CHROMIUM } from './helpers.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  console.warn(`skipping the HTML report browser tests: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
}

// Slow 2-core CI machines: a browser start, two model runs and page loads take a while.
const SLOW = 180_000;

const IMG = `<img src=x onerror="window.__pwned=1;alert(1)">`;
const QUOTES = `"dq" 'sq' &amp; &lt; &`;
const SCRIPT = '</script><script>window.__pwned=2</script><!--';
const PROMPT_NAME = '<svg onload=window.__pwned=3>';
const TEMPLATE = `a photo of {{label}} <script>window.__pwned=4</script> "q" &amp; 'x'`;

/** Class folders named with markup, a readable name that closes a script, and a prompt file to match. */
function hostileInputs(): { dataset: string; prompt: string } {
  const dataset = tempDir('hostile-dataset-');
  const sources: Record<string, string> = { [IMG]: 'ankle_boot', [QUOTES]: 'bag', plain: 'coat' };
  for (const [folder, source] of Object.entries(sources)) {
    mkdirSync(path.join(dataset, folder));
    for (const file of readdirSync(path.join(DEMO_DATASET, source)).sort().slice(0, 3)) {
      copyFileSync(path.join(DEMO_DATASET, source, file), path.join(dataset, folder, file));
    }
  }
  writeFileSync(path.join(dataset, 'classnames.json'), JSON.stringify({ [IMG]: IMG, [QUOTES]: QUOTES, plain: SCRIPT }));
  const prompt = path.join(tempDir('hostile-prompts-'), `${PROMPT_NAME}.hbs`);
  writeFileSync(prompt, `${TEMPLATE}\n`);
  return { dataset, prompt };
}

/** Two prompt files for captions, so the retrieval page has examples to switch between. */
function captionPrompts(): string[] {
  const dir = tempDir('caption-prompts-');
  return Object.entries({ plain: '{{caption}}', photo: 'a photo of {{caption}}' }).map(([name, template]) => {
    const file = path.join(dir, `${name}.hbs`);
    writeFileSync(file, `${template}\n`);
    return file;
  });
}

async function reportOf(dataset: string, prompts: readonly string[], limit?: number): Promise<string> {
  const config = resolveRunConfig(ROOT, {
    model: TINY_MODEL,
    dataset,
    out: tempDir('reports-'),
    cacheDir: tempDir('cache-'),
    threads: 2,
    batchSize: 8,
    ...(limit === undefined ? {} : { limit }),
  });
  const run = await benchRun(config, prompts, ROOT);
  expect(run.report, 'benchRun wrote no report').toBeDefined();
  const { html, summary, csv } = run.report!;
  for (const file of [html, summary, csv]) expect(existsSync(file)).toBe(true);
  return run.report!.html;
}

interface Opened {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
  readonly dialogs: string[];
}

async function open(context: BrowserContext, file: string, gallery = true): Promise<Opened> {
  const page = await context.newPage();
  const opened: Opened = { page, errors: [], requests: [], dialogs: [] };
  page.on('console', (m) => m.type() === 'error' && opened.errors.push(m.text()));
  page.on('pageerror', (e) => opened.errors.push(e.message));
  page.on('request', (r) => !/^(data|file):/.test(r.url()) && opened.requests.push(r.url()));
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
  // The gallery draws its first cards at once and the rest after the load event.
  if (!gallery) return opened;
  await page.waitForFunction(
    () => {
      const expected = (JSON.parse(document.getElementById('report-data')!.textContent) as { items: unknown[] }).items.length;
      return document.querySelectorAll('#gallery-grid article').length === expected;
    },
    undefined,
    { timeout: 60_000 },
  );
  return opened;
}

/** Sizes of the charts on show, after choosing each option of each chart switch in turn. */
async function everyChartSize(page: Page): Promise<{ chart: string; width: number; height: number }[]> {
  const sizes: { chart: string; width: number; height: number }[] = [];
  const measure = async (): Promise<void> => {
    sizes.push(
      ...(await page.$$eval('figure[data-chart]:not([hidden]) svg', (svgs) =>
        svgs.map((svg) => {
          const { width, height } = svg.getBoundingClientRect();
          return { chart: svg.closest('figure')!.dataset.chart!, width, height };
        }),
      )),
    );
  };
  await measure();
  for (const select of await page.$$('select[data-switch]')) {
    for (const value of await select.$$eval('option', (options) => options.map((o) => o.value))) {
      await select.selectOption(value);
      await measure();
    }
  }
  return sizes;
}

describe.skipIf(!HAS_CHROMIUM)('HTML report in headless chromium', () => {
  let context: BrowserContext;
  let realReport: string;
  let hostileReport: string;
  let retrievalReport: string;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    const hostile = hostileInputs();
    [realReport, hostileReport, retrievalReport] = await Promise.all([
      reportOf(
        smallFolderDataset(10, 3),
        ['prompts/basic.hbs', 'prompts/fashion-catalogue.hbs'].map((p) => path.join(ROOT, p)),
      ),
      reportOf(hostile.dataset, [path.join(ROOT, 'prompts/basic.hbs'), hostile.prompt]),
      reportOf('fashion-mosaics', captionPrompts(), 20),
    ]);
    context = await chromium.launchPersistentContext(tempDir('chromium-profile-'), {
      executablePath: CHROMIUM,
      args: BROWSER_FLAGS,
      viewport: { width: 1280, height: 900 },
      timeout: SLOW,
    });
  }, 2 * SLOW);

  afterAll(async () => {
    await context?.close();
  });

  it(
    'opens a real run from disk with no console errors, no network, every chart drawn and the gallery',
    async () => {
      const { page, errors, requests } = await open(context, realReport);
      const sizes = await everyChartSize(page);
      expect(new Set(sizes.map((s) => s.chart))).toEqual(new Set(['metrics', 'heatmap', 'confusion']));
      for (const s of sizes) expect(s.width * s.height, `${s.chart} has no size`).toBeGreaterThan(0);
      expect(await page.locator('#gallery-grid article').count()).toBe(30);
      const thumbs = await page.$$eval('#gallery-grid img.thumb', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
      expect(thumbs.length).toBe(30);
      expect(thumbs.every((w) => w > 0)).toBe(true);
      // Filters: one class, misclassified only.
      await page.selectOption('#gallery-class', { label: 'Trouser' });
      await page.selectOption('#gallery-show', 'wrong');
      const shown = await page.$$eval('#gallery-grid article', (cards) =>
        cards.map((c): [string, string | undefined] => [
          c.getAttribute('class') ?? '',
          c.querySelector('.truth b')?.textContent ?? undefined,
        ]),
      );
      // Counted from results.json (the gallery scores the first prompt file, basic), so an empty
      // gallery cannot pass the loop below by having nothing to check.
      const results = JSON.parse(readFileSync(path.join(path.dirname(realReport), 'results.json'), 'utf8')) as Results;
      const trouserWrong = results.items.filter((i) => i.label === 'Trouser' && i.predictions['basic']![0]!.label !== 'Trouser').length;
      expect(trouserWrong, 'the tiny model gets some Trouser image wrong').toBeGreaterThan(0);
      expect(shown).toHaveLength(trouserWrong);
      for (const [cls, truth] of shown) expect([cls, truth]).toEqual(['card wrong', 'Trouser']);
      // Back to the defaults a reader first sees, for the screenshot.
      await page.selectOption('#gallery-show', 'all');
      await page.selectOption('#gallery-class', '');
      for (const select of await page.$$('select[data-switch]')) await select.selectOption({ index: 0 });
      const shot = path.join(tempDir('report-screenshot-'), 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`report screenshot: ${shot}`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    },
    SLOW,
  );

  it(
    'runs no script from hostile class names, file names or prompts, and shows them literally',
    async () => {
      const { page, errors, requests, dialogs } = await open(context, hostileReport);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.$$eval('img', (imgs) => imgs.filter((i) => !i.getAttribute('src')?.startsWith('data:image/')).length)).toBe(0);
      const classes = await page.$$eval('#gallery-class option', (options) => options.map((o) => o.textContent));
      expect(classes.sort()).toEqual(['all classes', IMG, QUOTES, SCRIPT].sort());
      expect(await page.$$eval('#prompt-files tbody b', (names) => names.map((n) => n.textContent))).toEqual(['basic', PROMPT_NAME]);
      const templates = await page.$$eval('pre.templates', (pres) => pres.map((p) => p.textContent));
      expect(templates).toContain(TEMPLATE);
      expect(templates).toContain(TEMPLATE.replace('{{label}}', QUOTES)); // rendered for the first class (code-point order)
      const ids = await page.$$eval('#gallery-grid .id', (els) => els.map((e) => (e as HTMLElement).title));
      expect(ids).toContain(`${IMG}/${readdirSync(path.join(DEMO_DATASET, 'ankle_boot')).sort()[0]}`);
      const shot = path.join(tempDir('report-screenshot-'), 'hostile.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`hostile report screenshot: ${shot}`);
      await page.close();
    },
    SLOW,
  );

  it(
    'opens a retrieval run with recall@k curves and the top 5 of each example query, one prompt file at a time',
    async () => {
      const { page, errors, requests } = await open(context, retrievalReport, false);
      const sizes = await everyChartSize(page);
      expect(new Set(sizes.map((s) => s.chart))).toEqual(new Set(['retrieval']));
      for (const s of sizes) expect(s.width * s.height, `${s.chart} has no size`).toBeGreaterThan(0);
      expect(await page.locator('#prompt-files tbody tr').count()).toBe(2);
      // The switch the classification page uses shows one prompt file's examples at a time.
      const shownSet = (): Promise<(string | null)[]> =>
        page.locator('.example-set:not([hidden])').evaluateAll((sets) => sets.map((s) => s.getAttribute('data-variant')));
      await page.selectOption('select[data-switch="examples"]', 'set-1');
      expect(await shownSet()).toEqual(['set-1']);
      await page.selectOption('select[data-switch="examples"]', 'set-0');
      expect(await shownSet()).toEqual(['set-0']);
      const visible = page.locator('.example-set:not([hidden])');
      expect(await visible.locator('.c2i').count()).toBe(5);
      expect(await visible.locator('.i2t').count()).toBe(5);
      for (const query of await visible.locator('.c2i').all()) {
        expect(await query.locator('q').textContent()).not.toBe('');
        expect(await query.locator('figure.mini').count()).toBe(5);
      }
      for (const query of await visible.locator('.i2t').all()) expect(await query.locator('ol.captions li').count()).toBe(5);
      const thumbs = await visible.locator('img.thumb').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
      expect(thumbs.length).toBe(5 * 5 + 5);
      expect(thumbs.every((w) => w > 0)).toBe(true);
      // The marked results are exactly the correct ones in results.json.
      const results = JSON.parse(readFileSync(path.join(path.dirname(retrievalReport), 'results.json'), 'utf8')) as RetrievalResults;
      const { captionToImages, imageToCaptions } = results.promptSets[0]!.examples;
      const expected =
        captionToImages.slice(0, 5).filter((q) => q.top.includes(results.captions[q.caption]!.image)).length +
        imageToCaptions.slice(0, 5).reduce((n, q) => n + q.top.filter((c) => results.captions[c]!.image === q.image).length, 0);
      expect(await visible.locator('.hit').count()).toBe(expected);
      expect(await visible.locator('.c2i q').first().textContent()).toBe(results.captions[captionToImages[0]!.caption]!.text);
      const shot = path.join(tempDir('report-screenshot-'), 'retrieval.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`retrieval report screenshot: ${shot}`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    },
    SLOW,
  );
});
