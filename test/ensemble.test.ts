import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../src/cache/index.js';
import { loadDataset } from '../src/datasets/index.js';
import {
  buildClassifier,
  classificationDetails,
  classificationDetailsFromLogits,
  scoreEnsembleLogits,
  softmax,
} from '../src/metrics/index.js';
import { loadClipModel } from '../src/model/clipModel.js';
import { decodeImage } from '../src/model/decode.js';
import { preprocessImage } from '../src/model/preprocess.js';
import { loadPromptSet, renderClassPrompts, type PromptSet } from '../src/prompts/index.js';
import { runClassification } from '../src/run/runClassification.js';
import { ROOT, TINY_MODEL, smallFolderDataset, tempDir } from './helpers.js';

describe('score ensemble (hand-made case)', () => {
  // Class A: prompts along x and along y; class B: two prompts along (0.6, 0.8). Image along x.
  // Lengths differ on purpose: every embedding is normalised first.
  const image = [2, 0];
  const prompts = [
    [
      [3, 0],
      [0, 2],
    ],
    [
      [3, 4],
      [0.6, 0.8],
    ],
  ];

  it('averages the cosine scores: A = (1 + 0) / 2 = 0.5, B = 0.6, so B wins', () => {
    const [logits] = scoreEnsembleLogits([image], prompts);
    expect(logits![0]).toBeCloseTo(50, 12);
    expect(logits![1]).toBeCloseTo(60, 12);
    expect(classificationDetailsFromLogits([logits!], [0]).top1).toEqual([1]);
  });

  it('while averaging the embeddings gives A = normalise(1, 1) · x = 1/√2 ≈ 0.707 > 0.6, so A wins', () => {
    const details = classificationDetails({ imageEmbeddings: [image], classVectors: buildClassifier(prompts), targets: [0] });
    expect(details.logits[0]![0]).toBeCloseTo(100 / Math.SQRT2, 12);
    expect(details.logits[0]![1]).toBeCloseTo(60, 12);
    expect(details.top1).toEqual([0]);
  });

  it('equals the embedding ensemble with one prompt per class', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const vectors = (n: number): number[][] => Array.from({ length: n }, () => Array.from({ length: 6 }, rand));
    const images = vectors(9);
    const single = vectors(5).map((v) => [v]);
    const targets = images.map((_, i) => i % 5);
    const viaEmbedding = classificationDetails({ imageEmbeddings: images, classVectors: buildClassifier(single), targets });
    const viaScore = classificationDetailsFromLogits(scoreEnsembleLogits(images, single), targets);
    viaScore.logits.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(viaEmbedding.logits[i]![c]!, 10)));
    expect(viaScore.top1).toEqual(viaEmbedding.top1);
    expect(viaScore.acc1).toBe(viaEmbedding.acc1);
  });

  it('rejects a class without prompts', () => {
    expect(() => scoreEnsembleLogits([image], [[[1, 0]], []])).toThrow(/class 1/);
  });
});

describe('score ensemble in a run', () => {
  it('gives the acc1 and probabilities of a direct re-implementation (tiny model)', async () => {
    const file = path.join(tempDir('ensemble-prompts-'), 'three.hbs');
    writeFileSync(file, 'a photo of a {{label}}.\na blurry photo of a {{label}}.\nart of the {{label}}.\n');
    // Built in-process: the `#@ ensemble: score` directive is parsed in src/prompts.
    const set: PromptSet = { ...(await loadPromptSet(file)), ensemble: 'score' };
    const model = await loadClipModel({ model: TINY_MODEL, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    const dataset = await loadDataset(smallFolderDataset(5, 3), { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') });
    if (dataset.task !== 'classification') throw new Error('expected a classification dataset');
    const cache = await openCache({ dir: tempDir('ensemble-cache-'), enabled: false });
    const context = { runId: 'ensemble-test', startedAt: Date.now(), model, seed: 0, batchSize: 4, threads: 2, cache: cache.session };
    const subset = { limit: null, perClass: null };
    const embeddingSet: PromptSet = { ...set, name: 'three-embedding', ensemble: 'embedding' };
    const results = await runClassification({ ...context, dataset, subset, promptSets: [set, embeddingSet] });
    await cache.close();

    // Direct: cosines of unit vectors, one image and one class at a time, averaged over the prompts.
    const unit = (v: ArrayLike<number>): number[] => {
      const n = Math.hypot(...Array.from(v));
      return Array.from(v, (x) => x / n);
    };
    const tokenizer = await model.tokenizer();
    const prompts = renderClassPrompts(set, dataset.classNames);
    const text = await Promise.all(prompts.map(async (perClass) => (await model.embedTexts(tokenizer.tokenize(perClass))).map(unit)));
    let correct = 0;
    for (const [i, item] of dataset.items.entries()) {
      if (item.source.kind !== 'file') throw new Error('expected files');
      const [embedding] = await model.embedImages([preprocessImage(await decodeImage(item.source.path), model.preprocess)]);
      const x = unit(embedding!);
      const scores = text.map(
        (perClass) => perClass.reduce((sum, t) => sum + t.reduce((s, v, d) => s + v * x[d]!, 0), 0) / perClass.length,
      );
      const best = scores.indexOf(Math.max(...scores));
      if (best === item.label) correct++;
      const probs = softmax(scores.map((s) => 100 * s));
      const reported = results.items[i]!.predictions[set.name]!;
      expect(reported[0]!.label).toBe(dataset.classNames[best]);
      expect(reported[0]!.prob).toBeCloseTo(probs[best]!, 5);
    }
    expect(results.promptSets[0]!.metrics.acc1).toBeCloseTo(correct / dataset.items.length, 12);
    // The mode is honoured: the embedding ensemble of the same prompts reports other probabilities.
    const top = (name: string): number[] => results.items.map((item) => item.predictions[name]![0]!.prob);
    expect(top('three-embedding')).not.toEqual(top('three'));
  }, 120_000);
});
