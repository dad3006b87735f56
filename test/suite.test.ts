import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteResultSchema, type SuiteResult } from '../src/results/suiteSchema.js';
import type { Results } from '../src/results/schema.js';
import { benchSuite, type SuiteOutput } from '../src/suite/runSuite.js';
import { bench, ROOT, TINY_MODEL, tempDir } from './helpers.js';

const DEMO = path.join(ROOT, 'models/fashion-clip-mini');
const HOSTILE = '<img src=x onerror=alert(1)> & "1k"';

/** A suite in a temp folder: paths in it are relative to that folder, as a user would write them. */
function writeSuite(dir: string): string {
  const rel = (p: string) => path.relative(dir, p);
  const file = path.join(dir, 'suite.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'test suite',
      models: [rel(DEMO), rel(TINY_MODEL)],
      prompts: [rel(path.join(ROOT, 'prompts/basic.hbs'))],
      datasets: [
        { name: HOSTILE, dataset: rel(path.join(ROOT, 'datasets/fashion-mnist-1k')), limit: 200 },
        {
          name: 'mosaics',
          dataset: rel(path.join(ROOT, 'datasets/fashion-mosaics.json')),
          prompts: [],
          limit: 50,
        },
        {
          name: 'per class',
          dataset: rel(path.join(ROOT, 'datasets/fashion-mnist-1k')),
          perClass: 5,
          prompts: [rel(path.join(ROOT, 'prompts/fashion-ensemble.hbs'))],
        },
      ],
    }),
  );
  return file;
}

describe('bench suite', () => {
  const dir = tempDir('suite-');
  const cacheDir = tempDir('suite-cache-');
  let run: SuiteOutput;
  let result: SuiteResult;

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'bench.config.json'), JSON.stringify({ cacheDir, threads: 2 }));
    run = await benchSuite({ suiteFile: writeSuite(dir), cwd: dir });
    result = suiteResultSchema.parse(JSON.parse(readFileSync(run.files.json, 'utf8')));
  }, 240_000);

  it('runs every dataset with every model and links each to its run', () => {
    expect(result.models).toEqual(['fashion-clip-mini@fp32', 'tiny-clip@fp32']);
    expect(result.datasets.map((d) => [d.name, d.task])).toEqual([
      [HOSTILE, 'classification'],
      ['mosaics', 'retrieval'],
      ['per class', 'classification'],
    ]);
    for (const cell of result.datasets.flatMap((d) => d.cells)) {
      expect(existsSync(path.join(run.dir, cell.report))).toBe(true);
      expect(existsSync(path.join(run.dir, cell.results))).toBe(true);
    }
    // A captioned set takes one model per run: two runs; a classification dataset one run of both.
    expect(result.datasets.map((d) => new Set(d.cells.map((c) => c.results)).size)).toEqual([1, 2, 1]);
  });

  it("takes each cell's numbers from its run: the first prompt file's acc1, or the mean of image and text R@5", () => {
    for (const d of result.datasets) {
      for (const cell of d.cells) {
        const file = JSON.parse(readFileSync(path.join(run.dir, cell.results), 'utf8')) as
          Results | { models: { key: string; results: Results }[] };
        const view = 'models' in file ? file.models.find((m) => m.key === cell.model)!.results : file;
        const metrics = view.promptSets[0]!.metrics as unknown as Record<string, number>;
        expect(cell.promptSet).toBe(view.promptSets[0]!.name);
        const expected =
          d.task === 'retrieval' ? (metrics['image_retrieval_recall@5']! + metrics['text_retrieval_recall@5']!) / 2 : metrics.acc1!;
        expect(cell.score).toBe(expected);
      }
    }
    const [a, , c] = result.datasets;
    const mean = (model: string) => (a!.cells.find((x) => x.model === model)!.score + c!.cells.find((x) => x.model === model)!.score) / 2;
    expect(result.means.map((m) => m.classification)).toEqual([mean('fashion-clip-mini@fp32'), mean('tiny-clip@fp32')]);
    expect(result.means.every((m) => m.retrieval !== null)).toBe(true);
  });

  it('writes the leaderboard as CSV, Markdown and one self-contained page, names escaped', () => {
    const csv = readFileSync(run.files.csv, 'utf8');
    expect(csv.split('\n')[0]).toBe('model,dataset,task,prompt_set,metric,value');
    expect(csv).toContain('tiny-clip@fp32,per class,classification,fashion-ensemble,acc1,');
    const md = readFileSync(run.files.markdown, 'utf8');
    expect(md).toMatch(/^\| fashion-clip-mini@fp32 \| \d+\.\d\d% \| \d+\.\d\d% \| \d+\.\d\d% \| \d+\.\d\d% \| \d+\.\d\d% \|$/m);
    expect(md).not.toContain('<img');
    const page = readFileSync(run.files.html, 'utf8');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;1k&quot;');
    expect(page).not.toMatch(/<script|https?:\/\//);
    expect(page.match(/<a href="runs\/[^"]+\/index\.html">/g)).toHaveLength(6);
  });

  it('is resumable through the cache: a rerun computes nothing and gives the same leaderboard', async () => {
    const again = await benchSuite({ suiteFile: path.join(dir, 'suite.json'), cwd: dir });
    const scores = (r: SuiteResult) => r.datasets.map((d) => d.cells.map((c) => [c.model, c.promptSet, c.metrics, c.score]));
    expect(scores(again.result)).toEqual(scores(result));
    for (const cell of again.result.datasets.flatMap((d) => d.cells)) {
      const file = JSON.parse(readFileSync(path.join(again.dir, cell.results), 'utf8')) as Results | { models: { results: Results }[] };
      const views = 'models' in file ? file.models.map((m) => m.results) : [file];
      expect(views.map((v) => v.run.cache.images.computed)).toEqual(views.map(() => 0));
    }
  }, 240_000);

  it('checks a suite against a suite baseline, dataset by dataset and model by model', () => {
    const baseline = path.join(dir, 'suite-baseline.json');
    const saved = bench(['baseline', 'save', '--from', run.files.json, '--to', baseline], { cwd: dir });
    expect(saved.status, saved.stderr).toBe(0);
    const keys = (JSON.parse(readFileSync(baseline, 'utf8')) as { models: { key: string }[] }).models.map((m) => m.key);
    // Retrieval datasets are not checked: checks compare classification runs.
    expect(keys).toEqual([
      `${HOSTILE} · fashion-clip-mini@fp32`,
      `${HOSTILE} · tiny-clip@fp32`,
      'per class · fashion-clip-mini@fp32',
      'per class · tiny-clip@fp32',
    ]);
    const same = bench(['check', run.files.json, '--baseline', baseline], { cwd: dir });
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain('== model per class · tiny-clip@fp32 ==');
    // A baseline that got every image of one dataset right fails the check of that dataset.
    const raised = JSON.parse(readFileSync(baseline, 'utf8')) as {
      models: { baseline: { promptSets: { top1: string; metrics: { acc1: number } }[] } }[];
    };
    const set = raised.models[1]!.baseline.promptSets[0]!;
    set.top1 = '1'.repeat(set.top1.length);
    set.metrics.acc1 = 1;
    writeFileSync(baseline, JSON.stringify(raised));
    expect(bench(['check', run.files.json, '--baseline', baseline], { cwd: dir }).status).toBe(1);
  });

  it('names the suite file and entry of a bad suite', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', datasets: [{ dataset: 'a', limt: 3 }] }));
    const cli = bench(['suite', bad], { cwd: dir });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain(bad);
    expect(cli.stderr).toMatch(/datasets\[0\].*limt/);
  });
});
