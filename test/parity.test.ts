import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { LOGIT_SCALE, softmax } from '../src/metrics/index.js';
import { l2Normalize, dot } from '../src/metrics/vectors.js';
import { benchRun } from '../src/run/benchRun.js';
import { GOLDEN_IMAGES, ROOT, TINY_MODEL, classificationResults, tempDir } from './helpers.js';

interface ReferenceOutputs {
  texts: { text: string; text_embeds: number[] }[];
  images: { image: string; image_embeds: number[] }[];
}

const VIT_B_32 = path.join(ROOT, 'test/fixtures/generated/vit-b-32');
const GENERATE = '/usr/bin/python3 tools/fixtures/make_fixture.py --preset vit-b-32';

/**
 * The whole `bench run` path (decode, preprocess, tokenize, both ONNX towers, classifier, softmax)
 * against probabilities computed from the PyTorch model's own embeddings of the same photos and
 * prompts. The prompts are the class names themselves, rendered by a `{{label}}` template.
 */
async function checkAgainstPyTorch(modelDir: string): Promise<void> {
  const reference = JSON.parse(readFileSync(path.join(modelDir, 'reference-outputs.json'), 'utf8')) as ReferenceOutputs;
  const dir = tempDir('parity-');
  const classNames = reference.texts.map((t) => t.text);
  writeFileSync(path.join(dir, 'classnames.txt'), `${classNames.join('\n')}\n`);
  const rows = reference.images.map((r) => ({ image: path.join(GOLDEN_IMAGES, r.image), label: classNames[0] }));
  writeFileSync(path.join(dir, 'photos.csv'), Papa.unparse(rows));
  writeFileSync(path.join(dir, 'as-is.hbs'), '{{label}}\n');

  const config = resolveRunConfig(ROOT, {
    model: modelDir,
    dataset: path.join(dir, 'photos.csv'),
    out: tempDir('reports-'),
    cache: false,
    threads: 2,
    batchSize: 4,
  });
  const results = classificationResults((await benchRun(config, [path.join(dir, 'as-is.hbs')], ROOT)).results);
  expect(results.errors).toEqual([]);

  const textVectors = reference.texts.map((t) => l2Normalize(t.text_embeds));
  let worst = 0;
  let checkedTop1 = 0;
  for (const ref of reference.images) {
    const image = l2Normalize(ref.image_embeds);
    const expected = softmax(textVectors.map((t) => LOGIT_SCALE * dot(image, t)));
    const item = results.items.find((i) => i.id === path.join(GOLDEN_IMAGES, ref.image) || i.id.endsWith(ref.image))!;
    const predicted = item.predictions['as-is']!;
    for (const p of predicted) worst = Math.max(worst, Math.abs(p.prob - expected[classNames.indexOf(p.label)]!));
    const sorted = [...expected].sort((a, b) => b - a);
    if (sorted[0]! - sorted[1]! > 1e-3) {
      checkedTop1++;
      expect(predicted[0]!.label).toBe(classNames[expected.indexOf(sorted[0]!)]);
    }
  }
  console.log(
    `${path.basename(modelDir)}: max |p(bench run) − p(PyTorch)| = ${worst.toExponential(2)}, top-1 checked on ${checkedTop1}/${reference.images.length} images`,
  );
  expect(worst).toBeLessThan(2e-3);
  // Both fixtures give every reference image a clear winner, so all of them must have been compared:
  // a loop that skipped them all (ties, or no images matched) would otherwise pass on probabilities alone.
  expect(reference.images.length).toBeGreaterThan(0);
  expect(checkedTop1).toBe(reference.images.length);
  expect(results.promptSets[0]!.truncatedPrompts).toHaveLength(1);
}

describe('bench run matches the PyTorch model end to end', () => {
  it('tiny fixture', async () => {
    await checkAgainstPyTorch(TINY_MODEL);
  });

  const present = existsSync(path.join(VIT_B_32, 'onnx/vision_model.onnx'));
  if (!present) console.log(`skipping the ViT-B/32 parity test: no model at ${VIT_B_32}; generate it with: ${GENERATE}`);
  it.skipIf(!present)('ViT-B/32-sized fixture (generated on demand)', { timeout: 300_000 }, async () => {
    await checkAgainstPyTorch(VIT_B_32);
  });
});
