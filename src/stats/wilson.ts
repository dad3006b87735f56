export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** Two-sided standard normal quantile for 95% (scipy.stats.norm.ppf(0.975)). */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for a proportion: closed form and deterministic, and unlike the Wald
 * interval it stays inside [0, 1] and keeps its coverage near 0% and 100% accuracy. Same formula as
 * statsmodels' proportion_confint(method="wilson").
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (trials <= 0) return { lo: 0, hi: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/**
 * 95% interval for top-1 accuracy from per-image correctness, for error bars: the Wilson score
 * interval (not a bootstrap), so bars are the same on every machine and cost nothing to draw.
 */
export function acc1Interval(correct: readonly boolean[]): Interval {
  return wilsonInterval(correct.filter(Boolean).length, correct.length);
}
