/**
 * The q-quantile of sorted values with linear interpolation between order statistics (Hyndman &
 * Fan type 7), numpy.percentile's default, so the Python reference reproduces our intervals.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  return a + (h - lo) * (sorted[hi]! - a);
}
