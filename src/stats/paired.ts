import { DEFAULT_BOOTSTRAP, pairedBootstrap, type BootstrapSettings } from './bootstrap.js';
import { discordance, mcnemarExactP } from './mcnemar.js';
import type { Interval } from './wilson.js';

/** Significance level of every paired test ClipBench reports. */
export const ALPHA = 0.05;

/** acc1 of `after` against `before` on the same images. */
export interface PairedAcc1 {
  /** acc1(after) − acc1(before), as a proportion. */
  readonly delta: number;
  readonly interval: Interval;
  readonly pValue: number;
  /** Images `before` gets right and `after` wrong, and the reverse. */
  readonly lost: number;
  readonly gained: number;
  readonly significant: boolean;
}

/** One prompt file against another (the run's best) on the same images. */
export interface PromptSetContrast extends PairedAcc1 {
  readonly promptSet: string;
  readonly against: string;
}

/** The paired acc1 difference of two correctness vectors over the same images: McNemar and bootstrap. */
export function pairedAcc1(
  before: readonly boolean[] | Uint8Array,
  after: readonly boolean[] | Uint8Array,
  settings: BootstrapSettings = DEFAULT_BOOTSTRAP,
): PairedAcc1 {
  const b = Uint8Array.from(before, Number);
  const a = Uint8Array.from(after, Number);
  const { acc1 } = pairedBootstrap({ before1: b, after1: a, before5: null, after5: null, classes: new Uint32Array(b.length) }, settings);
  const counts = discordance(b, a);
  const pValue = mcnemarExactP(counts);
  const delta = (a.reduce((s, v) => s + v, 0) - b.reduce((s, v) => s + v, 0)) / b.length;
  return { delta, interval: acc1, pValue, ...counts, significant: pValue < ALPHA };
}
