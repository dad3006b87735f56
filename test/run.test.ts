import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { loadDataset } from '../src/datasets/index.js';
import { buildClassifier, classificationDetails, softmax } from '../src/metrics/index.js';
import { loadClipModel } from '../src/model/clipModel.js';
import { decodeImage } from '../src/model/decode.js';
import { preprocessImage } from '../src/model/preprocess.js';
import { loadPromptSets, renderClassPrompts } from '../src/prompts/index.js';
import type { Results } from '../src/results/schema.js';
import { benchRun, type BenchRunOutput } from '../src/run/benchRun.js';
import { GOLDEN_IMAGES, ROOT, TINY_MODEL, classificationResults, smallFolderDataset, tempDir } from './helpers.js';

const PROMPTS = ['prompts/basic.hbs', 'prompts/fashion-catalogue.hbs'].map((p) => path.join(ROOT, p));

function config(dataset: string, overrides: Record<string, unknown> = {}) {
  return resolveRunConfig(ROOT, {
    model: TINY_MODEL,
    dataset,
    out: tempDir('reports-'),
    cacheDir: tempDir('cache-'),
    threads: 2,
    batchSize: 7,
    ...overrides,
  });
}

describe('bench run wiring', () => {
  let dataset: string;
  let run: BenchRunOutput;
  beforeAll(async () => {
    dataset = smallFolderDataset(10, 4);
    run = await benchRun(config(dataset), PROMPTS, ROOT);
  });

  it('agrees with a direct, one-image-at-a-time computation of every metric and probability', async () => {
    const model = await loadClipModel({ model: TINY_MODEL, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    const data = await loadDataset(dataset, { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') });
    const imageEmbeddings: Float32Array[] = [];
    for (const item of data.items) {
      if (item.source.kind !== 'file') throw new Error('expected files');
      const [embedding] = await model.embedImages([preprocessImage(await decodeImage(item.source.path), model.preprocess)]);
      imageEmbeddings.push(embedding!);
    }
    const sets = await loadPromptSets(PROMPTS);
    for (const [s, set] of sets.entries()) {
      const prompts = renderClassPrompts(set, data.classNames);
      const text = [];
      for (const perClass of prompts) {
        text.push(await model.embedTexts((await model.tokenizer()).tokenize(perClass)));
      }
      const direct = classificationDetails({
        imageEmbeddings,
        classVectors: buildClassifier(text),
        targets: data.items.map((i) => i.label),
      });
      const reported = classificationResults(run.results).promptSets[s]!;
      expect(reported.name).toBe(set.name);
      expect(reported.metrics.acc1).toBeCloseTo(direct.acc1, 10);
      expect(reported.metrics.acc5).toBeCloseTo(direct.acc5!, 10);
      expect(reported.metrics.mean_per_class_recall).toBeCloseTo(direct.mean_per_class_recall, 10);
      expect(reported.confusion.matrix).toEqual(direct.confusion);
      classificationResults(run.results).items.forEach((item, i) => {
        expect(item.id).toBe(data.items[i]!.id);
        expect(item.label).toBe(data.classNames[data.items[i]!.label]);
        const probs = softmax(direct.logits[i]!);
        for (const p of item.predictions[set.name]!) {
          expect(p.prob).toBeCloseTo(probs[data.classNames.indexOf(p.label)]!, 5);
        }
      });
    }
    await model.dispose();
  });

  it('writes results.json with the documented fields', () => {
    const written = JSON.parse(readFileSync(run.resultsFile, 'utf8')) as Results;
    expect(written.schemaVersion).toBe(1);
    expect(written.run).toMatchObject({
      model: { id: TINY_MODEL, dtype: 'fp32', kind: 'local' },
      preprocess: { mode: 'clip', size: 224, cropSize: 224 },
      dataset: { itemCount: 40, format: 'folder' },
      seed: 0,
    });
    expect(Object.values(written.run.model.onnxSha256)).toEqual([
      expect.stringMatching(/^[0-9a-f]{64}$/),
      expect.stringMatching(/^[0-9a-f]{64}$/),
    ]);
    expect(written.promptSets.map((s) => s.name)).toEqual(['basic', 'fashion-catalogue']);
    expect(written.promptSets[0]!.prompts['Ankle boot']).toEqual(['a photo of a Ankle boot.']);
    expect(written.promptSets[1]!.prompts['Ankle boot']).toEqual(['a product photo of an ankle boot, on a plain background.']);
    expect(written.items).toHaveLength(40);
    expect(written.items[0]!.predictions.basic).toHaveLength(5);
    expect(written.errors).toEqual([]);
    expect(path.basename(path.dirname(run.resultsFile))).toBe(written.run.id);
  });
});

describe('bad input during a run', () => {
  it('records unreadable images in errors, leaves them out of the metrics and keeps the rest', async () => {
    const dataset = smallFolderDataset(3, 3);
    const bag = path.join(dataset, 'bag');
    writeFileSync(path.join(bag, 'empty.png'), '');
    writeFileSync(path.join(bag, 'notes.png'), 'this is text, not an image\n');
    const jpeg = readFileSync(path.join(GOLDEN_IMAGES, 'grace_hopper.jpg'));
    writeFileSync(path.join(bag, 'truncated.jpg'), jpeg.subarray(0, jpeg.length / 2));
    copyFileSync(path.join(GOLDEN_IMAGES, 'grace_hopper.jpg'), path.join(bag, 'photo.jpg'));
    const results = classificationResults((await benchRun(config(dataset), PROMPTS.slice(0, 1), ROOT)).results);
    expect(results.errors.map((e) => e.item).sort()).toEqual(['bag/empty.png', 'bag/notes.png', 'bag/truncated.jpg']);
    for (const e of results.errors) expect(e.reason).toContain(path.join(dataset, e.item));
    expect(results.items).toHaveLength(10);
    expect(results.run.dataset.itemCount).toBe(13);
    expect(results.promptSets[0]!.perClass.reduce((n, c) => n + c.support, 0)).toBe(10);
  });

  it('warns about prompts cut at 77 tokens and lists them in the results', async () => {
    const dir = tempDir('prompts-');
    const file = path.join(dir, 'long.hbs');
    writeFileSync(file, `a photo of a {{label}}${', very very very detailed'.repeat(20)}.\n`);
    const warned: string[] = [];
    const { results } = await benchRun(config(smallFolderDataset(2, 1)), [file], ROOT, { onTruncated: (p) => warned.push(p) });
    expect(warned).toHaveLength(2);
    expect(results.promptSets[0]!.truncatedPrompts).toEqual(warned);
  });

  it('fails fast with an input error before loading the model', async () => {
    await expect(benchRun(config('/no/such/dataset'), PROMPTS, ROOT)).rejects.toThrow(/\/no\/such\/dataset/);
    await expect(benchRun(config(smallFolderDataset(2, 1)), ['/no/such.hbs'], ROOT)).rejects.toThrow(
      'cannot read prompt file /no/such.hbs',
    );
  });
});
