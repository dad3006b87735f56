import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairedBootstrap, type PairedSample } from '../src/stats/bootstrap.js';
import { discordance, mcnemarExactP } from '../src/stats/mcnemar.js';
import { Mulberry32 } from '../src/stats/prng.js';
import { quantileSorted } from '../src/stats/quantile.js';
import { acc1Interval, wilsonInterval } from '../src/stats/wilson.js';
import { contrastPromptSets } from '../src/compare/withinRun.js';
import { correctness, flip, syntheticResults } from './fixtures/stats/synthetic.js';
import { ROOT } from './helpers.js';

/** Written once by tools/reference/compare_stats.py (scipy, statsmodels, numpy); see that script. */
interface Reference {
  mcnemar: { lost: number; gained: number; statsmodels: number; scipy: number }[];
  wilson: { successes: number; trials: number; lo: number; hi: number }[];
  bootstrap: {
    name: string;
    seed: number;
    resamples: number;
    before1: string;
    after1: string;
    before5: string | null;
    after5: string | null;
    classes: string;
    firstUint32: number[];
    firstIndices: number[];
    acc1: { lo: number; hi: number };
    acc5: { lo: number; hi: number } | null;
    meanPerClassRecall: { lo: number; hi: number };
  }[];
  largeSample: {
    before1: string;
    after1: string;
    classes: string;
    lost: number;
    gained: number;
    difference: number;
    se: number;
    wald: { lo: number; hi: number };
  };
}

const reference = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/stats/reference.json'), 'utf8')) as Reference;
const bits = (s: string): Uint8Array => Uint8Array.from(s, (ch) => (ch === '1' ? 1 : 0));
const digits = (s: string): Uint32Array => Uint32Array.from(s, (ch) => Number(ch));

/** A reference sample as pairedBootstrap takes it; one without top-5 strings has no top-5. */
function pairedSample(ref: {
  before1: string;
  after1: string;
  before5?: string | null;
  after5?: string | null;
  classes: string;
}): PairedSample {
  return {
    before1: bits(ref.before1),
    after1: bits(ref.after1),
    before5: ref.before5 == null ? null : bits(ref.before5),
    after5: ref.after5 == null ? null : bits(ref.after5),
    classes: digits(ref.classes),
  };
}

describe('McNemar exact test', () => {
  it.each(reference.mcnemar)('lost $lost, gained $gained matches statsmodels and scipy', ({ lost, gained, statsmodels, scipy }) => {
    const p = mcnemarExactP({ lost, gained });
    // Relative 1e-9: the tail is summed in doubles from a log-space start, scipy uses its own cdf.
    expect(Math.abs(p - statsmodels)).toBeLessThanOrEqual(1e-9 * statsmodels + 1e-300);
    expect(Math.abs(p - scipy)).toBeLessThanOrEqual(1e-9 * scipy + 1e-300);
  });

  it('counts discordant pairs in both directions', () => {
    expect(discordance([1, 1, 0, 0, 1], [1, 0, 1, 1, 1])).toEqual({ lost: 1, gained: 2 });
  });
});

describe('Wilson interval', () => {
  it.each(reference.wilson)('$successes of $trials matches statsmodels', ({ successes, trials, lo, hi }) => {
    const interval = wilsonInterval(successes, trials);
    expect(interval.lo).toBeCloseTo(lo, 12);
    expect(interval.hi).toBeCloseTo(hi, 12);
  });

  it('acc1Interval takes per-image correctness', () => {
    const correct = [...Array(1000).keys()].map((i) => i < 873);
    const expected = reference.wilson.find((w) => w.successes === 873)!;
    expect(acc1Interval(correct).lo).toBeCloseTo(expected.lo, 12);
  });
});

describe('paired bootstrap', () => {
  it('type-7 quantiles match numpy.percentile', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.025)).toBeCloseTo(0.25, 12);
    expect(quantileSorted([5], 0.975)).toBe(5);
  });

  it.each(reference.bootstrap)('$name: same index stream and interval as the numpy re-implementation', (ref) => {
    const rng = new Mulberry32(ref.seed);
    expect(ref.firstUint32.map(() => rng.nextUint32())).toEqual(ref.firstUint32);
    const indices = new Mulberry32(ref.seed);
    expect(ref.firstIndices.map(() => indices.nextIndex(ref.before1.length))).toEqual(ref.firstIndices);
    const sample = pairedSample(ref);
    const result = pairedBootstrap(sample, { resamples: ref.resamples, seed: ref.seed, level: 0.95 });
    // Same resamples, same statistic: only summation order differs (numpy sums pairwise), hence 1e-12.
    expect(result.acc1.lo).toBeCloseTo(ref.acc1.lo, 12);
    expect(result.acc1.hi).toBeCloseTo(ref.acc1.hi, 12);
    expect(result.meanPerClassRecall.lo).toBeCloseTo(ref.meanPerClassRecall.lo, 12);
    expect(result.meanPerClassRecall.hi).toBeCloseTo(ref.meanPerClassRecall.hi, 12);
    if (ref.acc5) {
      expect(result.acc5!.lo).toBeCloseTo(ref.acc5.lo, 12);
      expect(result.acc5!.hi).toBeCloseTo(ref.acc5.hi, 12);
    } else {
      expect(result.acc5).toBeNull();
    }
  });

  it('approaches the normal (Wald) interval of a paired difference on a large sample', () => {
    const ref = reference.largeSample;
    const sample = pairedSample(ref);
    expect(discordance(sample.before1, sample.after1)).toEqual({ lost: ref.lost, gained: ref.gained });
    const { acc1 } = pairedBootstrap(sample);
    // Monte Carlo error of a 2,000-resample percentile is ~0.06 SE; allow 0.25 SE on each end.
    expect(Math.abs(acc1.lo - ref.wald.lo)).toBeLessThan(0.25 * ref.se);
    expect(Math.abs(acc1.hi - ref.wald.hi)).toBeLessThan(0.25 * ref.se);
  });

  it('is deterministic for a seed and moves with it', () => {
    const ref = reference.bootstrap[1]!;
    const sample = pairedSample({ ...ref, before5: null, after5: null });
    const a = pairedBootstrap(sample, { resamples: 1000, seed: 3, level: 0.95 });
    expect(pairedBootstrap(sample, { resamples: 1000, seed: 3, level: 0.95 })).toEqual(a);
    expect(pairedBootstrap(sample, { resamples: 1000, seed: 4, level: 0.95 }).acc1).not.toEqual(a.acc1);
  });
});

describe('within-run comparison of prompt files', () => {
  it('contrasts the best prompt file with each other one on the same images', () => {
    const base = correctness(600, 300);
    const results = syntheticResults({ sets: { plain: flip(base, 25, 10), best: base, same: base } });
    const contrasts = contrastPromptSets(results);
    expect(contrasts.map((c) => [c.promptSet, c.against])).toEqual([
      ['plain', 'best'],
      ['same', 'best'],
    ]);
    const plain = contrasts[0]!;
    expect(plain).toMatchObject({ lost: 25, gained: 10, significant: true });
    expect(plain.delta).toBeCloseTo(-15 / 600, 12);
    const expected = reference.mcnemar.find((m) => m.lost === 25 && m.gained === 10)!.statsmodels;
    expect(Math.abs(plain.pValue - expected)).toBeLessThan(1e-9 * expected);
    expect(plain.interval.hi).toBeLessThan(0);
    expect(contrasts[1]).toMatchObject({ delta: 0, pValue: 1, lost: 0, gained: 0, significant: false, interval: { lo: 0, hi: 0 } });
    expect(contrastPromptSets(syntheticResults({ sets: { only: base } }))).toEqual([]);
  });
});
