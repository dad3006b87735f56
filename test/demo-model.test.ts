import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { loadDataset } from '../src/datasets/load.js';
import { loadClipModel } from '../src/model/clipModel.js';
import { preprocessImage } from '../src/model/preprocess.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { benchSelect } from '../src/run/benchSelect.js';
import { DEMO_DATASET, ROOT, maxAbsDiff, tempDir } from './helpers.js';

const DEMO_MODEL = path.join(ROOT, 'models/fashion-clip-mini');
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
const HAS_FASHION_MNIST = existsSync(path.join(FASHION_MNIST, 't10k-images-idx3-ubyte.gz'));
const NEEDS_FASHION_MNIST = `needs Debian's dataset-fashion-mnist in ${FASHION_MNIST}`;
if (!HAS_FASHION_MNIST) {
  console.warn(
    `skipping the demo model's full test-split checks (README headline table, ONNX vs PyTorch): ${NEEDS_FASHION_MNIST} (apt-get install dataset-fashion-mnist; .ci/run installs it)`,
  );
}

interface HeadlineRow {
  readonly file: string;
  readonly templates: number;
  readonly acc1: string;
  readonly acc5: string;
  readonly meanPerClassRecall: string;
}

/**
 * The table under "On the full Fashion-MNIST test split" at the top of README.md, as written
 * (percentages with two decimals), so the test and the README cannot drift apart.
 */
function readmeHeadline(): HeadlineRow[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('On the full Fashion-MNIST test split');
  expect(start, 'README.md has lost its headline table').toBeGreaterThan(-1);
  const rows: HeadlineRow[] = [];
  for (const line of readme.slice(start).split('\n').slice(1)) {
    if (rows.length > 0 && !line.startsWith('|')) break;
    const m = /^\| `([\w-]+\.(?:hbs|json))` \| (\d+) \| (\d+\.\d\d)% \| (\d+\.\d\d)% \| (\d+\.\d\d)% \|$/.exec(line);
    if (m) rows.push({ file: m[1]!, templates: Number(m[2]), acc1: m[3]!, acc5: m[4]!, meanPerClassRecall: m[5]! });
  }
  return rows;
}

const percent = (x: number | null): string | null => (x === null ? null : (100 * x).toFixed(2));

/** What tools/train-mini-clip/train.py wrote next to the ONNX files (PyTorch outputs). */
interface DemoReference {
  readonly texts: readonly { text: string; ids: number[]; text_embeds: number[] }[];
  readonly extra_images: readonly { image: string; label: string; image_embeds: number[] }[];
}

describe('the bundled demo model', () => {
  it('is the default and scores far above chance on the bundled subset', async () => {
    const config = resolveRunConfig(ROOT, { out: tempDir('reports-'), cacheDir: tempDir('cache-'), threads: 2 });
    expect(config.model).toBe(DEMO_MODEL);
    expect(config.dataset).toBe(DEMO_DATASET);
    const { results } = (await benchRun(config, [path.join(ROOT, 'prompts/basic.hbs')], ROOT)) as { results: Results };
    expect(results.items).toHaveLength(1000);
    // A floor, not the exact number (measured 0.928 / 1.0): chance is 10% on ten balanced classes.
    expect(results.promptSets[0]!.metrics.acc1).toBeGreaterThan(0.85);
    expect(results.promptSets[0]!.metrics.acc5).toBeGreaterThan(0.98);
  });
  it('finds mosaics from their captions and captions from their mosaics far above chance', async () => {
    const config = resolveRunConfig(ROOT, {
      dataset: 'fashion-mosaics',
      out: tempDir('reports-'),
      cacheDir: tempDir('cache-'),
      threads: 2,
    });
    const { results } = (await benchRun(config, [], ROOT)) as { results: RetrievalResults };
    expect(results.images).toHaveLength(300);
    // The acceptance floors (measured 0.687 / 0.882); chance at k = 5 is 5/300 for images, about 8% for captions.
    expect(results.promptSets[0]!.metrics['text_retrieval_recall@5']).toBeGreaterThanOrEqual(0.5);
    expect(results.promptSets[0]!.metrics['image_retrieval_recall@5']).toBeGreaterThanOrEqual(0.4);
  });
  // The exported graph (BatchNorm folded, attention pooling) against the trained PyTorch model,
  // through the harness's own IDX reader and preprocessing.
  it.skipIf(!HAS_FASHION_MNIST)(
    `embeds texts and test-split images in ONNX as the PyTorch model did (${NEEDS_FASHION_MNIST})`,
    async () => {
      const reference = JSON.parse(readFileSync(path.join(DEMO_MODEL, 'reference-outputs.json'), 'utf8')) as DemoReference;
      const model = await loadClipModel({ model: DEMO_MODEL, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
      const tokens = (await model.tokenizer()).tokenize(reference.texts.map((t) => t.text));
      expect(tokens.map((t) => t.ids)).toEqual(reference.texts.map((t) => t.ids));
      const texts = await model.embedTexts(tokens);
      const textWorst = Math.max(...texts.map((e, i) => maxAbsDiff(e, reference.texts[i]!.text_embeds)));

      const dataset = await loadDataset('fashion-mnist', { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') });
      expect(reference.extra_images.length).toBeGreaterThan(0);
      const pixels = reference.extra_images.map((r) => {
        const item = dataset.items[Number(/#(\d+)$/.exec(r.image)![1])]!;
        expect(dataset.classNames[item.label]).toBe(r.label);
        if (item.source.kind !== 'pixels') throw new Error('IDX items carry their pixels');
        return preprocessImage(item.source.image, model.preprocess);
      });
      const images = await model.embedImages(pixels);
      const imageWorst = Math.max(...images.map((e, i) => maxAbsDiff(e, reference.extra_images[i]!.image_embeds)));
      console.log(`demo model: max |ONNX − PyTorch| texts ${textWorst.toExponential(2)}, images ${imageWorst.toExponential(2)}`);
      expect(textWorst).toBeLessThan(1e-4);
      expect(imageWorst).toBeLessThan(1e-4);
      await model.dispose();
    },
  );
  // The README's headline numbers, to the hundredth of a percent: all 10,000 test images, every
  // prompt file of the table in one run (the extra prompt files cost only their text embeddings).
  // Measured at 10–15 s on 2 cores, a good part of it writing the report.
  it.skipIf(!HAS_FASHION_MNIST)(
    `reproduces the README's headline table on the full test split (${NEEDS_FASHION_MNIST})`,
    { timeout: 180_000 },
    async () => {
      const table = readmeHeadline();
      expect(table.map((r) => r.file)).toContain('basic.hbs');
      expect(table.length).toBeGreaterThanOrEqual(6);
      const config = resolveRunConfig(ROOT, { dataset: 'fashion-mnist', out: tempDir('reports-'), cache: false, threads: 2 });
      const started = performance.now();
      const { results } = (await benchRun(
        config,
        table.map((r) => path.join(ROOT, 'prompts', r.file)),
        ROOT,
      )) as { results: Results };
      console.log(
        `README headline table: ${results.items.length} images, ${table.length} prompt files in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(results.items).toHaveLength(10_000);
      expect(results.errors).toEqual([]);
      const measured = results.promptSets.map((s) => ({
        file: path.basename(s.file),
        templates: s.templates.length,
        acc1: percent(s.metrics.acc1),
        acc5: percent(s.metrics.acc5),
        meanPerClassRecall: percent(s.metrics.mean_per_class_recall),
      }));
      expect(measured).toEqual(table);
    },
  );
  // The README's `bench select` sentence under the table: the same selection, the same held-out figures.
  it.skipIf(!HAS_FASHION_MNIST)(
    `reproduces the README's bench select result on the full test split (${NEEDS_FASHION_MNIST})`,
    { timeout: 180_000 },
    async () => {
      const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
      const m =
        /--max-templates (\d+)` \(seed 0, half of each class held out\) chose (\d+) templates; held-out acc1 on (\d+) images: selected (\d+\.\d\d)%, whole pool (\d+\.\d\d)%, best single template (\d+\.\d\d)%/.exec(
          readme,
        );
      expect(m, 'README.md has lost its bench select sentence').not.toBeNull();
      const config = resolveRunConfig(ROOT, { dataset: 'fashion-mnist', out: tempDir('select-'), cacheDir: tempDir('cache-'), threads: 2 });
      const { selection } = await benchSelect(
        config,
        { poolFile: path.join(ROOT, 'prompts/imagenet-80.hbs'), maxTemplates: Number(m![1]), heldOut: 0.5 },
        ROOT,
      );
      const held = (name: string) => percent(selection.contenders.find((c) => c.name === name)!.heldOut.acc1);
      expect([
        String(selection.contenders.find((c) => c.name === 'selected')!.lines.length),
        String(selection.run.split.heldOut),
        held('selected'),
        held('pool'),
        held('bestSingle'),
      ]).toEqual(m!.slice(2));
    },
  );
});
