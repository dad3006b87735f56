import { dot, l2Normalize, type Vector } from '../metrics/vectors.js';

/** Cosine between the two pipelines' embeddings of the same inputs. */
export interface CosineSummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
}

export function cosine(a: Vector, b: Vector): number {
  return dot(l2Normalize(a), l2Normalize(b));
}

export function compareEmbeddings(reference: readonly Vector[], stock: readonly Vector[]): CosineSummary {
  if (reference.length !== stock.length) throw new Error(`embedding counts differ: reference ${reference.length}, stock ${stock.length}`);
  const cosines = reference.map((r, i) => cosine(r, stock[i]!));
  return {
    count: cosines.length,
    // An empty comparison reports perfect agreement rather than NaN, which JSON cannot hold.
    min: cosines.length === 0 ? 1 : Math.min(...cosines),
    mean: cosines.length === 0 ? 1 : cosines.reduce((s, c) => s + c, 0) / cosines.length,
  };
}
