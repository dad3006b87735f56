import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { runModels } from '../src/config/models.js';
import { multiModelResultsSchema, type MultiModelResults } from '../src/results/multiModelSchema.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { bench, ROOT, TINY_MODEL, tempDir, BROWSER_FLAGS, CHROMIUM } from './helpers.js';

const DEMO = path.join(ROOT, 'models/fashion-clip-mini');
const PROMPTS = ['prompts/basic.hbs', 'prompts/fashion-ensemble.hbs'].map((p) => path.join(ROOT, p));

describe('model specs', () => {
  const base = { model: 'unused', dtype: 'fp32' as const, models: null, dtypes: null };

  it('crosses models without their own dtype with the dtypes, in the order given', () => {
    const specs = runModels({ ...base, models: ['/m/a', 'org/b@q8'], dtypes: ['fp32', 'fp16'] });
    expect(specs.map((s) => [s.id, s.dtype, s.key])).toEqual([
      ['/m/a', 'fp32', 'a@fp32'],
      ['/m/a', 'fp16', 'a@fp16'],
      ['org/b', 'q8', 'org/b@q8'],
    ]);
  });

  it('falls back to model and dtype, keeps whole paths when two folders share a name, and refuses a pair given twice', () => {
    expect(runModels(base).map((s) => s.key)).toEqual(['unused@fp32']);
    expect(runModels({ ...base, models: ['/x/clip', '/y/clip'] }).map((s) => s.key)).toEqual(['/x/clip@fp32', '/y/clip@fp32']);
    expect(() => runModels({ ...base, models: ['/x/clip', '/x/clip@fp32'] })).toThrow(/given twice/);
    // Only a known dtype at the very end is a suffix: a folder called "v@2" is a folder.
    expect(runModels({ ...base, models: ['/m/v@2'] })[0]!.id).toBe('/m/v@2');
  });
});

describe('several models in one run (demo fp32 and q8, tiny fixture, bundled 1k subset)', () => {
  const cacheDir = tempDir('models-cache-');
  const out = tempDir('models-out-');
  let file: MultiModelResults;
  let resultsFile: string;

  beforeAll(async () => {
    const config = resolveRunConfig(ROOT, { models: [DEMO, `${DEMO}@q8`, TINY_MODEL], out, cacheDir, threads: 2 });
    const run = await benchRun(config, PROMPTS, ROOT);
    file = run.file as MultiModelResults;
    resultsFile = run.resultsFile;
  }, 180_000);

  it('writes one version-2 results.json that its schema accepts', () => {
    const written = multiModelResultsSchema.parse(JSON.parse(readFileSync(resultsFile, 'utf8')));
    expect(written.schemaVersion).toBe(2);
    expect(written.models.map((m) => m.key)).toEqual(['fashion-clip-mini@fp32', 'fashion-clip-mini@q8', 'tiny-clip@fp32']);
    expect(written.models.map((m) => m.results.schemaVersion)).toEqual([1, 1, 1]);
  });

  it('gives each model exactly the numbers of a one-model run of it', async () => {
    const config = resolveRunConfig(ROOT, {
      model: TINY_MODEL,
      out: tempDir('models-one-'),
      cacheDir: tempDir('models-one-cache-'),
      threads: 2,
    });
    const alone = (await benchRun(config, PROMPTS, ROOT)).results as Results;
    const inRun = file.models[2]!.results;
    expect(inRun.promptSets.map((s) => s.metrics)).toEqual(alone.promptSets.map((s) => s.metrics));
    expect(inRun.items).toEqual(alone.items);
  }, 120_000);

  it('decodes and preprocesses each image once per preprocessing configuration, not once per model', () => {
    // Both fashion-clip-mini builds use its 56 px configuration; the tiny fixture has its own.
    expect(file.run.imagesPreprocessed).toBe(2 * 1000);
    expect(file.models.map((m) => m.cost.imagesComputed)).toEqual([1000, 1000, 1000]);
  });

  it('measures each model: speed, load time, parameters and ONNX size', () => {
    const sizes = (dir: string, suffix: string) =>
      ['text', 'vision'].reduce((n, t) => n + statSync(path.join(dir, 'onnx', `${t}_model${suffix}.onnx`)).size, 0);
    expect(file.models.map((m) => m.cost.onnxBytes)).toEqual([sizes(DEMO, ''), sizes(DEMO, '_quantized'), sizes(TINY_MODEL, '')]);
    // Pinned from Python's onnx in test/onnx-stats.test.ts: text + vision initializer elements.
    expect(file.models.map((m) => m.cost.parameters)).toEqual([187840 + 50048, 191424 + 50688, 42112 + 125216]);
    for (const m of file.models) {
      expect(m.cost.imagesPerSecond).toBeGreaterThan(0);
      expect(m.cost.loadSeconds).toBeGreaterThan(0);
    }
  });

  it('compares the models pairwise on each prompt file, against the best one', () => {
    for (const set of ['basic', 'fashion-ensemble']) {
      const acc1 = file.models.map((m) => m.results.promptSets.find((s) => s.name === set)!.metrics.acc1);
      const best = file.models[acc1.indexOf(Math.max(...acc1))]!.key;
      const rows = file.modelContrasts.filter((c) => c.promptSet === set);
      expect(rows.map((r) => r.against)).toEqual([best, best]);
      for (const r of rows) {
        const k = file.models.findIndex((m) => m.key === r.model);
        expect(r.delta).toBeCloseTo(acc1[k]! - Math.max(...acc1), 12);
      }
      expect(rows.find((r) => r.model === 'tiny-clip@fp32')!.significant).toBe(true);
    }
  });

  it('checks the q8 build against fp32: top-1 agreement of at least 99%, close embeddings, a speed ratio', () => {
    expect(file.dtypeChecks.map((d) => [d.dtype, d.promptSet])).toEqual([
      ['q8', 'basic'],
      ['q8', 'fashion-ensemble'],
    ]);
    for (const d of file.dtypeChecks) {
      expect(d.top1Agreement).toBeGreaterThanOrEqual(0.99);
      expect(d.imageCosine.min).toBeGreaterThan(0.99);
      expect(d.imageCosine.mean).toBeGreaterThanOrEqual(d.imageCosine.min);
      expect(d.speedRatio).toBeGreaterThan(0);
      const fp32 = file.models[0]!.results.promptSets.find((s) => s.name === d.promptSet)!.metrics.acc1;
      const q8 = file.models[1]!.results.promptSets.find((s) => s.name === d.promptSet)!.metrics.acc1;
      expect(d.acc1Delta).toBeCloseTo(q8 - fp32, 12);
    }
  });

  it('appends one history line per model', () => {
    const lines = readFileSync(path.join(out, 'history.jsonl'), 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { runId: string; model: { dtype: string } });
    expect(records.map((r) => r.runId)).toEqual(Array(3).fill(file.run.id));
    expect(records.map((r) => r.model.dtype)).toEqual(['fp32', 'q8', 'fp32']);
  });

  it('checks per model in CI: a missing model is an error, a new one is reported', async () => {
    const baseline = path.join(tempDir('models-baseline-'), 'b.json');
    const saved = bench(['baseline', 'save', '--from', resultsFile, '--to', baseline]);
    expect(saved.status, saved.stderr).toBe(0);
    expect((JSON.parse(readFileSync(baseline, 'utf8')) as { baselineVersion: number }).baselineVersion).toBe(2);
    const same = bench(['check', resultsFile, '--baseline', baseline]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain('== model tiny-clip@fp32 ==');

    const config = resolveRunConfig(ROOT, { models: [DEMO, TINY_MODEL], out: tempDir('models-two-'), cacheDir, threads: 2 });
    const two = await benchRun(config, PROMPTS, ROOT);
    const missing = bench(['check', two.resultsFile, '--baseline', baseline]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('"fashion-clip-mini@q8" are in the baseline but not in');

    const smaller = path.join(path.dirname(baseline), 'two.json');
    expect(bench(['baseline', 'save', '--from', two.resultsFile, '--to', smaller]).status).toBe(0);
    const grown = bench(['check', resultsFile, '--baseline', smaller]);
    expect(grown.status, grown.stderr).toBe(0);
    expect(grown.stdout).toContain('new model fashion-clip-mini@q8: not in the baseline, not checked');
  }, 120_000);

  it('prints the model × prompt file table, the model contrasts and the dtype check', () => {
    const cli = bench(
      ['run', '--model', DEMO, `${DEMO}@q8`, '--prompts', 'prompts/basic.hbs', '--limit', '100', '--out', tempDir('models-cli-')],
      {
        env: { CLIPBENCH_CACHE_DIR: cacheDir },
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^model\s+prompt file\s+templates\s+acc1/m);
    expect(cli.stdout).toMatch(/^fashion-clip-mini@q8\s+basic\s+1\s+\d+\.\d\d%/m);
    expect(cli.stdout).toContain('dtype check');
    expect(cli.stdout).toMatch(/fashion-clip-mini@q8 vs fp32\s+basic\s+\d+\.\d\d%/);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'draws the report in chromium: grid, speed chart, no errors',
    async () => {
      const html = path.join(path.dirname(resultsFile), 'index.html');
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: BROWSER_FLAGS,
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pathToFileURL(html).href);
        expect(await page.locator('#models svg').count()).toBeGreaterThan(0);
        expect(await page.locator('#speed svg').count()).toBeGreaterThan(0);
        const box = await page.locator('#models svg').first().boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});

describe('models from the settings file', () => {
  it('resolves relative model folders against the file and keeps their @dtype', () => {
    const dir = tempDir('models-config-');
    writeFileSync(
      path.join(dir, 'bench.config.json'),
      JSON.stringify({ models: [path.relative(dir, DEMO) + '@q8', 'Xenova/clip-vit-base-patch32'] }),
    );
    const config = resolveRunConfig(dir, {});
    expect(config.models).toEqual([`${DEMO}@q8`, 'Xenova/clip-vit-base-patch32']);
  });
});
