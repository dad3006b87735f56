import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildClassifier, classificationDetails, classificationMetrics, retrievalMetrics } from '../src/metrics/index.js';

interface GoldenCase {
  name: string;
  task: 'classification' | 'retrieval';
  text_embeddings: number[];
  text_embeddings_shape: number[];
  image_embeddings: number[];
  image_embeddings_shape: number[];
  targets?: number[];
  caption_image_index?: number[];
  expected: Record<string, number | null>;
  expected_top1?: number[];
}

const goldens = JSON.parse(readFileSync(new URL('./reference/goldens/metrics-visible.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
};

function reshape(flat: number[], shape: number[]): number[][] | number[][][] {
  const [rows, ...rest] = shape;
  const inner = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: rows! }, (_, r) => {
    const chunk = flat.slice(r * inner, (r + 1) * inner);
    return rest.length === 1 ? chunk : (reshape(chunk, rest) as number[][]);
  }) as number[][] | number[][][];
}

describe('metrics match CLIP_benchmark goldens', () => {
  for (const c of goldens.cases.filter((g) => g.task === 'classification')) {
    it(`classification: ${c.name}`, () => {
      const text = reshape(c.text_embeddings, c.text_embeddings_shape) as number[][][];
      const images = reshape(c.image_embeddings, c.image_embeddings_shape) as number[][];
      const classVectors = buildClassifier(text);
      const m = classificationMetrics({ imageEmbeddings: images, classVectors, targets: c.targets! });
      expect(m.acc1).toBeCloseTo(c.expected.acc1!, 6);
      if (c.expected.acc5 === null) expect(m.acc5).toBeNull();
      else expect(m.acc5).toBeCloseTo(c.expected.acc5!, 6);
      expect(m.mean_per_class_recall).toBeCloseTo(c.expected.mean_per_class_recall!, 6);
      expect(m.top1).toEqual(c.expected_top1);
    });
  }
  for (const c of goldens.cases.filter((g) => g.task === 'retrieval')) {
    it(`retrieval: ${c.name}`, () => {
      const ks = [...new Set(Object.keys(c.expected).map((k) => Number(k.split('@')[1])))];
      const m = retrievalMetrics({
        imageEmbeddings: reshape(c.image_embeddings, c.image_embeddings_shape) as number[][],
        textEmbeddings: reshape(c.text_embeddings, c.text_embeddings_shape) as number[][],
        captionImageIndex: c.caption_image_index!,
        ks,
      });
      expect(Object.keys(m).sort()).toEqual(Object.keys(c.expected).sort());
      for (const [key, value] of Object.entries(c.expected)) {
        expect(Math.abs(m[key]! - value!), key).toBeLessThan(1e-6);
      }
    });
  }
});

describe('classification details', () => {
  const classVectors = [
    [1, 0],
    [0, 1],
  ];
  it('accepts typed arrays and builds the confusion matrix and per-class recall', () => {
    const d = classificationDetails({
      imageEmbeddings: [Float32Array.of(2, 0.1), Float32Array.of(0.1, 3), Float32Array.of(1, 0.5)],
      classVectors,
      targets: [0, 1, 1],
    });
    expect(d.top1).toEqual([0, 1, 0]);
    expect(d.confusion).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(d.perClass).toEqual([
      { recall: 1, support: 1 },
      { recall: 0.5, support: 2 },
    ]);
    expect(d.acc1).toBeCloseTo(2 / 3, 12);
    expect(d.mean_per_class_recall).toBeCloseTo(0.75, 12);
    expect(d.acc5).toBeNull();
  });
  it('leaves classes without support out of mean per-class recall, like sklearn', () => {
    const m = classificationMetrics({
      imageEmbeddings: [
        [1, 0],
        [1, 0.1],
      ],
      classVectors,
      targets: [0, 0],
    });
    expect(m.mean_per_class_recall).toBe(1);
  });
  it('ensemble averaging normalises each template before the mean', () => {
    const [v] = buildClassifier([
      [
        [10, 0],
        [0, 1],
      ],
    ]);
    expect(v![0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(v![1]).toBeCloseTo(Math.SQRT1_2, 12);
  });
  it('rejects a target outside the classes', () => {
    expect(() => classificationMetrics({ imageEmbeddings: [[1, 0]], classVectors, targets: [2] })).toThrow(/class index/);
  });
});

describe('retrieval edge cases', () => {
  it('text retrieval counts an image hit when any of its captions is in the top k', () => {
    const m = retrievalMetrics({
      imageEmbeddings: [
        [1, 0],
        [0, 1],
      ],
      // Image 0: caption 2 (of image 1) outranks its own caption 1, so it is found at k=2, not k=1.
      textEmbeddings: [
        [0, 1],
        [1, 0.01],
        [1, 0],
      ],
      captionImageIndex: [0, 0, 1],
      ks: [1, 2],
    });
    expect(m['text_retrieval_recall@1']).toBe(0);
    expect(m['text_retrieval_recall@2']).toBe(0.5);
    expect(m['image_retrieval_recall@1']).toBeCloseTo(1 / 3, 12);
  });
});
