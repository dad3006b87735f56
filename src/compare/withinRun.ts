import type { Results } from '../results/schema.js';
import { DEFAULT_BOOTSTRAP, pairedBootstrap, type BootstrapSettings } from './bootstrap.js';
import { ALPHA } from './compare.js';
import { discordance, mcnemarExactP } from './mcnemar.js';
import { summarizeResults } from './summary.js';
import type { Interval } from './wilson.js';

/** One prompt file against the run's best one, on the same images. */
export interface PromptSetContrast {
  readonly promptSet: string;
  readonly against: string;
  /** acc1(promptSet) − acc1(against), as a proportion: ≤ 0 against the best. */
  readonly delta: number;
  readonly interval: Interval;
  readonly pValue: number;
  /** Images `against` gets right and `promptSet` wrong, and the reverse. */
  readonly lost: number;
  readonly gained: number;
  readonly significant: boolean;
}

/** The paired acc1 difference of two correctness vectors over the same images. */
export function pairedAcc1(before: readonly boolean[] | Uint8Array, after: readonly boolean[] | Uint8Array, settings: BootstrapSettings = DEFAULT_BOOTSTRAP): Omit<PromptSetContrast, 'promptSet' | 'against'> {
  const b = Uint8Array.from(before, Number);
  const a = Uint8Array.from(after, Number);
  const { acc1 } = pairedBootstrap({ before1: b, after1: a, before5: null, after5: null, classes: new Uint32Array(b.length) }, settings);
  const counts = discordance(b, a);
  const pValue = mcnemarExactP(counts);
  const delta = (a.reduce((s, v) => s + v, 0) - b.reduce((s, v) => s + v, 0)) / b.length;
  return { delta, interval: acc1, pValue, ...counts, significant: pValue < ALPHA };
}

/**
 * Whether the best prompt file (highest acc1; the first on ties) really beats each other one:
 * McNemar's exact test and a paired bootstrap interval on the images of this run. Empty with
 * fewer than two prompt files or no images.
 */
export function contrastPromptSets(results: Results, settings: BootstrapSettings = DEFAULT_BOOTSTRAP): PromptSetContrast[] {
  if (results.promptSets.length < 2 || results.items.length === 0) return [];
  const sets = summarizeResults(results, '').promptSets;
  const best = sets.reduce((top, set) => ((set.metrics.acc1 ?? 0) > (top.metrics.acc1 ?? 0) ? set : top));
  return sets.filter((set) => set !== best).map((set) => ({ promptSet: set.name, against: best.name, ...pairedAcc1(best.top1, set.top1, settings) }));
}
