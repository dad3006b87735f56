import { Option, type Command } from 'commander';
import type { ComparisonFlags } from '../compare/settings.js';
import { nonNegativeInt, positiveInt } from './options.js';

export interface ComparisonCommandFlags extends ComparisonFlags {
  readonly format: 'table' | 'md' | 'json';
  readonly junit?: string;
  readonly summary?: string;
}

/** The options `bench compare` and `bench check` share. */
export function addComparisonOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--format <format>', 'stdout format: a table, Markdown (job summary, PR comment) or JSON')
        .choices(['table', 'md', 'json'])
        .default('table'),
    )
    .option('--junit <file>', 'also write JUnit XML: one test case per prompt set and metric, a failure where the check fails')
    .option('--summary <file>', 'also append the Markdown report to this file (e.g. "$GITHUB_STEP_SUMMARY")')
    .option('--max-drop <limits>', 'largest allowed fall per metric in percentage points, e.g. acc1=0.5,acc5=1,mpcr=off (default 0 each)')
    .option(
      '--require-significance',
      'fail only on falls that are also significant at 5% (McNemar exact test; bootstrap CI for mean per-class recall)',
    )
    .option('--allow-model-change', 'compare even when the model (weights or dtype) or the dataset differs')
    .option('--resamples <n>', 'paired bootstrap resamples (at least 1000; default 2000)', positiveInt)
    .option('--seed <s>', 'bootstrap seed: the same seed gives the same interval on every machine (default 0)', nonNegativeInt)
    .option('-c, --config <file>', 'settings file whose "check" section holds defaults (default: bench.config.json)');
}

export function registerCompare(program: Command): void {
  const command = program
    .command('compare')
    .description(
      'compare two runs image by image: deltas, McNemar exact test, paired bootstrap 95% CI (each side a baseline or a results.json)',
    )
    .argument('<baseline>', 'baseline file (bench baseline save) or results.json')
    .argument('<current>', 'results.json or baseline file');
  // Imported on use, so other commands start without loading the statistics.
  addComparisonOptions(command).action(async (baseline: string, current: string, flags: ComparisonCommandFlags) =>
    (await import('./compareAction.js')).compareCommand(baseline, current, flags),
  );
}
