import { findLatestResults } from '../compare/load.js';
import { resolveComparisonSettings } from '../compare/settings.js';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import type { CheckFlags } from './check.js';
import { runComparison } from './compareAction.js';

/** `bench check`: holds a run (default: the newest) to a baseline; the caller turns a fail into exit 1. */
export function checkCommand(results: string | undefined, flags: CheckFlags): { readonly passed: boolean } {
  const cwd = process.cwd();
  const settings = resolveComparisonSettings(cwd, flags);
  const baseline = flags.baseline ?? settings.baseline;
  if (!baseline)
    throw new InputError(
      'no baseline: pass --baseline <file> (write one with `bench baseline save`) or set "check": {"baseline": …} in bench.config.json',
    );
  const current = results ?? findLatestResults(resolveRunConfig(cwd, { out: flags.out }, flags.config).out);
  if (!results) process.stderr.write(`checking the newest run: ${current}\n`);
  return runComparison(baseline, current, flags, settings, { requireAllSets: true });
}
