/** Discordant pairs between two correctness vectors over the same items. */
export interface Discordance {
  /** Right before, wrong after. */
  readonly lost: number;
  /** Wrong before, right after. */
  readonly gained: number;
}

export function discordance(before: ArrayLike<number>, after: ArrayLike<number>): Discordance {
  if (before.length !== after.length) throw new RangeError(`discordance: ${before.length} vs ${after.length} items`);
  let lost = 0;
  let gained = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] && !after[i]) lost++;
    else if (!before[i] && after[i]) gained++;
  }
  return { lost, gained };
}

/**
 * McNemar's exact test: under "no difference" each discordant pair is a fair coin, so the p-value
 * is the two-sided exact binomial tail min(1, 2·P(X ≤ min(lost, gained))), X ~ Bin(lost + gained, ½).
 * This equals statsmodels' mcnemar(exact=True) and, the distribution being symmetric,
 * scipy.stats.binomtest(...).pvalue (checked in test/compare-stats.test.ts).
 */
export function mcnemarExactP({ lost, gained }: Discordance): number {
  const n = lost + gained;
  const m = Math.min(lost, gained);
  if (n === 0 || 2 * m >= n) return 1;
  return Math.min(1, 2 * binomialHalfLowerTail(n, m));
}

/**
 * P(X ≤ m) for X ~ Bin(n, ½), m < n / 2. Summed from P(X = m) downwards with the ratio
 * P(k-1)/P(k) = k / (n-k+1), so no factorial is ever formed; P(X = m) itself is taken in logs,
 * since 2^-n underflows past n ≈ 1,074.
 */
function binomialHalfLowerTail(n: number, m: number): number {
  let logPm = -n * Math.LN2;
  for (let i = 1; i <= m; i++) logPm += Math.log((n - m + i) / i);
  let term = 1;
  let sum = 1;
  for (let k = m; k >= 1; k--) {
    term *= k / (n - k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.exp(logPm) * sum;
}
