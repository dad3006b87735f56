/** Rows may come as plain arrays or typed arrays; the metrics only read them. */
export type Vector = ArrayLike<number>;

export function l2Normalize(v: Vector): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  // torch.nn.functional.normalize clamps the norm at 1e-12; mirror it so a zero vector stays zero.
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

export function dot(a: Vector, b: Vector): number {
  if (a.length !== b.length) {
    throw new Error(`embedding dimensions differ: ${a.length} vs ${b.length}`);
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** rows × columns matrix of dot products, with each row of `rows` normalised first. */
export function similarityMatrix(rows: readonly Vector[], columns: readonly Vector[], scale = 1): Float64Array[] {
  return rows.map((row) => {
    const unit = l2Normalize(row);
    const out = new Float64Array(columns.length);
    for (let j = 0; j < columns.length; j++) out[j] = scale * dot(unit, columns[j]!);
    return out;
  });
}

/**
 * Rank of `index` among `scores`, 0 = best. Ties are broken towards the lower index, which is
 * what argmax does; torch.topk leaves tie order unspecified, so any fixed rule is as faithful.
 */
export function rankOf(scores: Vector, index: number): number {
  const target = scores[index]!;
  let rank = 0;
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j]!;
    if (s > target || (s === target && j < index)) rank++;
  }
  return rank;
}

export function argmax(scores: Vector): number {
  let best = 0;
  for (let j = 1; j < scores.length; j++) if (scores[j]! > scores[best]!) best = j;
  return best;
}

/** Numerically stable softmax. */
export function softmax(logits: Vector): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
