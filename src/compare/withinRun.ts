import type { Results } from '../results/schema.js';
import { DEFAULT_BOOTSTRAP, pairedAcc1, type BootstrapSettings, type PromptSetContrast } from '../stats/index.js';

export type { PromptSetContrast };
import { summarizeResults } from './summary.js';

/**
 * Whether the best prompt file (highest acc1; the first on ties) really beats each other one:
 * McNemar's exact test and a paired bootstrap interval on the images of this run. Empty with
 * fewer than two prompt files or no images.
 */
export function contrastPromptSets(results: Results, settings: BootstrapSettings = DEFAULT_BOOTSTRAP): PromptSetContrast[] {
  if (results.promptSets.length < 2 || results.items.length === 0) return [];
  const sets = summarizeResults(results, '').promptSets;
  const best = sets.reduce((top, set) => ((set.metrics.acc1 ?? 0) > (top.metrics.acc1 ?? 0) ? set : top));
  return sets
    .filter((set) => set !== best)
    .map((set) => ({ promptSet: set.name, against: best.name, ...pairedAcc1(best.top1, set.top1, settings) }));
}
