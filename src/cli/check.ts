import type { Command } from 'commander';
import { addComparisonOptions, type ComparisonCommandFlags } from './compare.js';

export interface CheckFlags extends ComparisonCommandFlags {
  readonly baseline?: string;
  readonly out?: string;
}

/** Exit 1 when a metric fell by more than its limit (and significantly, with --require-significance). */
export const EXIT_CHECK_FAILED = 1;

export function registerCheck(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('check')
    .description(
      'fail (exit 1) when a run fell below a committed baseline by more than the allowed points; exit 2 when the runs cannot be compared',
    )
    .argument('[results]', 'results.json (or baseline) to check (default: the newest run under --out)')
    .option('-b, --baseline <file>', 'the baseline to hold the run to (default: "check.baseline" in bench.config.json)')
    .option('-o, --out <dir>', 'runs folder searched for the newest run (default: "out" of bench.config.json, else reports/)');
  // Imported on use, so other commands start without loading the statistics.
  addComparisonOptions(command).action(async (results: string | undefined, flags: CheckFlags) => {
    const { passed } = (await import('./checkAction.js')).checkCommand(results, flags);
    if (!passed) setExit(EXIT_CHECK_FAILED);
  });
}
