import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import { resultsFileSchema } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';
import { formatTemplateSummaries } from '../src/results/table.js';
import { GOLDEN_IMAGES, ROOT, TINY_MODEL, bench, runDirs, smallFolderDataset, tempDir } from './helpers.js';

const IMAGENET_80 = path.join(ROOT, 'prompts/imagenet-80.hbs');

/** Runs `bench run` into a fresh --out folder and returns stdout and the parsed results.json. */
function run<T = Results>(args: readonly string[]): { stdout: string; results: T } {
  const out = tempDir('per-template-out-');
  const r = bench(['run', ...args, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  const [dir] = runDirs(out);
  return { stdout: r.stdout, results: JSON.parse(readFileSync(path.join(out, dir!, 'results.json'), 'utf8')) as T };
}

/** A prompt file holding exactly one template, in a folder of its own. */
function oneLineFile(template: string, name = 'alone.hbs'): string {
  const dir = tempDir('one-line-');
  const file = path.join(dir, name);
  writeFileSync(file, `${template}\n`);
  return file;
}

/** `count` lines spread over the file, plus the best and the worst template by acc1. */
function pickTemplates(results: Results, count: number): { line: number; template: string }[] {
  const all = results.promptSets[0]!.perTemplate!;
  const spread = Array.from({ length: count }, (_, i) => all[Math.round((i * (all.length - 1)) / (count - 1))]!);
  const byAcc = [...all].sort((a, b) => b.metrics.acc1 - a.metrics.acc1);
  const picked = [...spread, byAcc[0]!, byAcc.at(-1)!];
  return [...new Map(picked.map((t) => [t.line, t])).values()];
}

function expectMatchesOneLineRuns(ensemble: Results, count: number, args: readonly string[]): void {
  const set = ensemble.promptSets[0]!;
  for (const { line, template } of pickTemplates(ensemble, count)) {
    const alone = run([...args, '--prompts', oneLineFile(template)]);
    const single = alone.results.promptSets[0]!;
    expect(single.templates).toEqual([template]);
    expect(alone.stdout).not.toContain('templates alone');
    const entry = set.perTemplate!.find((t) => t.line === line)!;
    // Exactly: the same embeddings (the shared cache) through the same classifier.
    expect(entry.metrics, `line ${line}: ${template}`).toEqual(single.metrics);
    // A one-template file records its one template, equal to the set's metrics.
    expect(single.perTemplate).toEqual([{ line: 1, template, metrics: single.metrics }]);
  }
}

describe('per-template scores (classification)', () => {
  it('scores every template of imagenet-80 alone, equal to a one-line file of it (tiny model)', () => {
    const args = ['--model', TINY_MODEL, '--dataset', smallFolderDataset(10, 10), '--cache-dir', tempDir('cache-')];
    const ensemble = run([...args, '--prompts', IMAGENET_80]);
    const set = ensemble.results.promptSets[0]!;
    expect(set.perTemplate).toHaveLength(80);
    expect(set.perTemplate!.map((t) => t.template)).toEqual(set.templates);
    expect(set.perTemplate![0]!.line).toBe(2); // line 1 is a comment
    expect(ensemble.stdout).toMatch(
      /^imagenet-80\.hbs: 80 templates alone \(acc1\) — best [\d.]+% \(line \d+: ".+"\), median [\d.]+%, worst [\d.]+% \(line \d+: ".+"\); ensemble [\d.]+%, [+-]?[\d.]+ pts against the median$/m,
    );
    expectMatchesOneLineRuns(ensemble.results, 6, args);
  }, 120_000);

  it('does the same with the bundled model on the bundled subset', () => {
    const args = ['--cache-dir', tempDir('cache-')];
    const ensemble = run([...args, '--prompts', IMAGENET_80, 'prompts/basic.hbs']);
    expect(ensemble.results.promptSets.map((s) => s.perTemplate?.length)).toEqual([80, 1]);
    // The block names the multi-template file only.
    expect(ensemble.stdout.match(/templates alone/g)).toHaveLength(1);
    expectMatchesOneLineRuns(ensemble.results, 2, args);
  }, 120_000);
});

describe('per-template scores (retrieval)', () => {
  it('scores each wrap template alone, equal to a one-line file of it', () => {
    const dir = tempDir('coco-');
    const images = ['china.jpg', 'flower.jpg', 'grace_hopper.jpg', 'tall-strip.png', 'odd-crop-641x430.png'];
    mkdirSync(path.join(dir, 'images'));
    for (const f of images) writeFileSync(path.join(dir, 'images', f), readFileSync(path.join(GOLDEN_IMAGES, f)));
    const captions = ['a city', 'a flower', 'a woman', 'a tall strip', 'a crop'];
    writeFileSync(
      path.join(dir, 'captions_val.json'),
      JSON.stringify({
        images: images.map((f, i) => ({ id: i + 1, file_name: f })),
        annotations: images.flatMap((_, i) => [
          { id: 10 * i, image_id: i + 1, caption: `${captions[i]}` },
          { id: 10 * i + 1, image_id: i + 1, caption: `photo ${i} of ${captions[i]}` },
        ]),
      }),
    );
    const wrap = path.join(tempDir('wrap-'), 'wrap.hbs');
    const templates = ['a photo of {{caption}}.', '{{caption}}, in a picture'];
    writeFileSync(wrap, `# two wraps\n${templates.join('\n')}\n`);
    const args = ['--model', TINY_MODEL, '--dataset', path.join(dir, 'captions_val.json'), '--cache-dir', tempDir('cache-')];
    const ensemble = run<RetrievalResults>([...args, '--prompts', wrap, '--recall-k', '1,3']);
    const set = ensemble.results.promptSets[0]!;
    expect(set.perTemplate!.map((t) => [t.line, t.template])).toEqual([
      [2, templates[0]],
      [3, templates[1]],
    ]);
    expect(ensemble.stdout).toMatch(/^wrap\.hbs: 2 templates alone \(image R@1\) — best /m);
    for (const [t, template] of templates.entries()) {
      const alone = run<RetrievalResults>([...args, '--prompts', oneLineFile(template), '--recall-k', '1,3']);
      expect(Object.keys(alone.results.promptSets[0]!.metrics)).toHaveLength(4);
      expect(set.perTemplate![t]!.metrics).toEqual(alone.results.promptSets[0]!.metrics);
      expect(alone.stdout).not.toContain('templates alone');
    }
  }, 120_000);
});

describe('results files and the stdout block', () => {
  it('reads a results.json written before perTemplate existed', () => {
    const set = { name: 'a', file: '/a.hbs', templates: ['x {{label}}'], prompts: {}, truncatedPrompts: [] };
    const old = {
      ...minimalClassification(),
      promptSets: [
        { ...set, metrics: { acc1: 1, acc5: null, mean_per_class_recall: 1 }, perClass: [], confusion: { labels: [], matrix: [] } },
      ],
    };
    const parsed = resultsFileSchema.parse(old);
    expect(parsed.promptSets[0]!.perTemplate).toBeUndefined();
    expect(formatTemplateSummaries(parsed as Results)).toBe('');
  });

  it('names the earliest line among ties and takes the median of an even count', () => {
    const m = (acc1: number) => ({ acc1, acc5: null, mean_per_class_recall: acc1 });
    const results = {
      ...minimalClassification(),
      promptSets: [
        {
          name: 'four',
          file: '/p/four.hbs',
          metrics: m(0.5),
          perTemplate: [
            { line: 1, template: 'a {{label}}', metrics: m(0.4) },
            { line: 2, template: 'b {{label}}', metrics: m(0.6) },
            { line: 3, template: 'c {{label}}', metrics: m(0.6) },
            { line: 4, template: 'd {{label}}', metrics: m(0.2) },
          ],
        },
      ],
    } as unknown as Results;
    expect(formatTemplateSummaries(results)).toBe(
      'four.hbs: 4 templates alone (acc1) — best 60.0% (line 2: "b {{label}}"), median 50.0%, ' +
        'worst 20.0% (line 4: "d {{label}}"); ensemble 50.0%, 0.0 pts against the median',
    );
  });
});

function minimalClassification(): object {
  return {
    schemaVersion: 1,
    task: 'classification',
    run: {
      id: 'r',
      createdAt: '2026-01-01T00:00:00Z',
      toolVersion: '0',
      model: { id: 'm', kind: 'local', dtype: 'fp32', onnxSha256: {} },
      preprocess: { mode: 'clip', size: 1, cropSize: 1, mean: [], std: [] },
      dataset: { name: 'd', format: 'folder', path: '/d', itemCount: 0, classNames: [], limit: null, perClass: null },
      cache: { location: null, images: { fromCache: 0, computed: 0 }, texts: { fromCache: 0, computed: 0 } },
      seed: 0,
      batchSize: 1,
      threads: 1,
      durationMs: 0,
    },
    items: [],
    errors: [],
  };
}
