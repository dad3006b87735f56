import { describe, expect, it } from 'vitest';

describe("the package entry ('clipbench')", () => {
  it('exports the documented API from the built package', async () => {
    const api = await import('clipbench');
    for (const name of ['buildClassifier', 'classificationMetrics', 'retrievalMetrics', 'benchRun', 'loadClipModel', 'loadDataset']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
    const classVectors = api.buildClassifier([[[1, 0]], [[0, 2]]]);
    expect(api.classificationMetrics({ imageEmbeddings: [Float32Array.of(0, 3)], classVectors, targets: [1] })).toEqual({
      acc1: 1,
      acc5: null,
      mean_per_class_recall: 1,
      top1: [1],
    });
  });
});
