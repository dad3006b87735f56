import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { DEMO_DATASET, ROOT, tempDir } from './helpers.js';

const DEMO_MODEL = path.join(ROOT, 'models/fashion-clip-mini');

describe('the bundled demo model', () => {
  it('is the default and scores far above chance on the bundled subset', async () => {
    const config = resolveRunConfig(ROOT, { out: tempDir('reports-'), cacheDir: tempDir('cache-'), threads: 2 });
    expect(config.model).toBe(DEMO_MODEL);
    expect(config.dataset).toBe(DEMO_DATASET);
    const { results } = (await benchRun(config, [path.join(ROOT, 'prompts/basic.hbs')], ROOT)) as { results: Results };
    expect(results.items).toHaveLength(1000);
    // A floor, not the exact number: chance is 10% on ten balanced classes.
    expect(results.promptSets[0]!.metrics.acc1).toBeGreaterThan(0.7);
    expect(results.promptSets[0]!.metrics.acc5).toBeGreaterThan(0.95);
  });
  it('finds mosaics from their captions and captions from their mosaics far above chance', async () => {
    const config = resolveRunConfig(ROOT, { dataset: 'fashion-mosaics', out: tempDir('reports-'), cacheDir: tempDir('cache-'), threads: 2 });
    const { results } = (await benchRun(config, [], ROOT)) as { results: RetrievalResults };
    expect(results.images).toHaveLength(300);
    // The acceptance floors (measured 0.633 / 0.901); chance at k = 5 is 5/300 for images, about 8% for captions.
    expect(results.promptSets[0]!.metrics['text_retrieval_recall@5']).toBeGreaterThanOrEqual(0.5);
    expect(results.promptSets[0]!.metrics['image_retrieval_recall@5']).toBeGreaterThanOrEqual(0.4);
  });
});
