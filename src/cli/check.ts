import type { Command } from 'commander';
import { findLatestResults } from '../compare/load.js';
import { resolveComparisonSettings } from '../compare/settings.js';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { addComparisonOptions, runComparison, type ComparisonCommandFlags } from './compare.js';

interface CheckFlags extends ComparisonCommandFlags {
  readonly baseline?: string;
  readonly out?: string;
}

/** Exit 1 when a metric fell by more than its limit (and significantly, with --require-significance). */
export const EXIT_CHECK_FAILED = 1;

export function registerCheck(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('check')
    .description('fail (exit 1) when a run fell below a committed baseline by more than the allowed points; exit 2 when the runs cannot be compared')
    .argument('[results]', 'results.json (or baseline) to check (default: the newest run under --out)')
    .option('-b, --baseline <file>', 'the baseline to hold the run to (default: "check.baseline" in bench.config.json)')
    .option('-o, --out <dir>', 'runs folder searched for the newest run (default: "out" of bench.config.json, else reports/)');
  addComparisonOptions(command).action((results: string | undefined, flags: CheckFlags) => {
    const cwd = process.cwd();
    const settings = resolveComparisonSettings(cwd, flags);
    const baseline = flags.baseline ?? settings.baseline;
    if (!baseline) throw new InputError('no baseline: pass --baseline <file> (write one with `bench baseline save`) or set "check": {"baseline": …} in bench.config.json');
    const current = results ?? findLatestResults(resolveRunConfig(cwd, { out: flags.out }, flags.config).out);
    if (!results) process.stderr.write(`checking the newest run: ${current}\n`);
    const outcome = runComparison(baseline, current, flags, settings, { requireAllSets: true });
    if (!outcome.passed) setExit(EXIT_CHECK_FAILED);
  });
}
