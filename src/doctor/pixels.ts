/** Absolute differences between two normalised CHW tensors of one image. */
export interface PixelDifference {
  readonly mean: number;
  readonly max: number;
}

export interface PixelSummary {
  readonly images: number;
  /** Mean over images of each image's mean absolute difference. */
  readonly meanOfMeans: number;
  readonly maxOfMax: number;
}

export function pixelDifference(reference: Float32Array, stock: Float32Array): PixelDifference {
  if (reference.length !== stock.length) {
    throw new Error(`pixel tensors differ in size: reference ${reference.length} values, stock ${stock.length}`);
  }
  let sum = 0;
  let max = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(reference[i]! - stock[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: reference.length === 0 ? 0 : sum / reference.length, max };
}

export function summarisePixels(differences: readonly PixelDifference[]): PixelSummary {
  const n = differences.length;
  return {
    images: n,
    meanOfMeans: n === 0 ? 0 : differences.reduce((s, d) => s + d.mean, 0) / n,
    maxOfMax: differences.reduce((m, d) => Math.max(m, d.max), 0),
  };
}
