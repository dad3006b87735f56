import { assertIndexRange, Mulberry32 } from './prng.js';
import { quantileSorted } from './quantile.js';
import type { Interval } from './wilson.js';

/** Per-item outcomes of two runs on the same items, in the same order (1 = correct). */
export interface PairedSample {
  readonly before1: Uint8Array;
  readonly after1: Uint8Array;
  /** Top-5 correctness; null when a run has fewer than 5 classes (acc5 is undefined). */
  readonly before5: Uint8Array | null;
  readonly after5: Uint8Array | null;
  /** Class index of each item, for mean per-class recall. */
  readonly classes: Uint32Array;
}

export interface BootstrapSettings {
  readonly resamples: number;
  readonly seed: number;
  /** Coverage of the interval, e.g. 0.95. */
  readonly level: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 2000, seed: 0, level: 0.95 };
export const MIN_RESAMPLES = 1000;

/** Percentile intervals of after − before (proportions, not points) for each metric. */
export interface PairedIntervals {
  readonly acc1: Interval;
  readonly acc5: Interval | null;
  readonly meanPerClassRecall: Interval;
}

/**
 * Paired percentile bootstrap: each resample draws n item indices with replacement (n consecutive
 * Mulberry32 draws, one stream for all resamples) and applies them to both runs at once, so the
 * interval reflects how much the difference depends on which images happened to be in the set.
 * All three metrics use the same resamples. Reproduced in tools/reference/compare_stats.py.
 */
export function pairedBootstrap(sample: PairedSample, settings: BootstrapSettings = DEFAULT_BOOTSTRAP): PairedIntervals {
  const n = sample.before1.length;
  assertIndexRange(n);
  if (!Number.isInteger(settings.resamples) || settings.resamples < 1)
    throw new RangeError(`pairedBootstrap: resamples must be a positive whole number`);
  const d1 = differences(sample.before1, sample.after1);
  const d5 = sample.before5 && sample.after5 ? differences(sample.before5, sample.after5) : null;
  const classCount = sample.classes.reduce((max, c) => Math.max(max, c + 1), 0);
  const stats = {
    acc1: new Float64Array(settings.resamples),
    acc5: new Float64Array(settings.resamples),
    mpcr: new Float64Array(settings.resamples),
  };
  const rng = new Mulberry32(settings.seed);
  const support = new Float64Array(classCount);
  const classDiff = new Float64Array(classCount);
  for (let r = 0; r < settings.resamples; r++) {
    support.fill(0);
    classDiff.fill(0);
    let sum1 = 0;
    let sum5 = 0;
    for (let draw = 0; draw < n; draw++) {
      const i = rng.nextIndexUnchecked(n);
      const c = sample.classes[i]!;
      sum1 += d1[i]!;
      if (d5) sum5 += d5[i]!;
      support[c]!++;
      classDiff[c]! += d1[i]!;
    }
    stats.acc1[r] = sum1 / n;
    stats.acc5[r] = sum5 / n;
    stats.mpcr[r] = meanRecallDifference(support, classDiff);
  }
  const interval = (values: Float64Array): Interval => percentileInterval(values, settings.level);
  return { acc1: interval(stats.acc1), acc5: d5 ? interval(stats.acc5) : null, meanPerClassRecall: interval(stats.mpcr) };
}

function differences(before: Uint8Array, after: Uint8Array): Int8Array {
  if (before.length !== after.length) throw new RangeError(`pairedBootstrap: ${before.length} vs ${after.length} items`);
  return Int8Array.from(before, (b, i) => (after[i] ? 1 : 0) - (b ? 1 : 0));
}

/** Classes absent from a resample are left out, as the metric leaves out classes with no images. */
function meanRecallDifference(support: Float64Array, classDiff: Float64Array): number {
  let sum = 0;
  let present = 0;
  for (let c = 0; c < support.length; c++) {
    if (support[c]! > 0) {
      sum += classDiff[c]! / support[c]!;
      present++;
    }
  }
  return sum / present;
}

function percentileInterval(values: Float64Array, level: number): Interval {
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(sorted, tail), hi: quantileSorted(sorted, 1 - tail) };
}
