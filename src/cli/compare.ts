import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { compareRuns } from '../compare/compare.js';
import { NotComparableError } from '../compare/comparable.js';
import { escapeMarkdown, formatJson, formatMarkdown, formatTerminal } from '../compare/format.js';
import { formatJUnit, formatJUnitError } from '../compare/junit.js';
import { loadRunSummary } from '../compare/load.js';
import { resolveComparisonSettings, type ComparisonFlags, type ComparisonSettings } from '../compare/settings.js';
import { evaluateCheck, type CheckOutcome } from '../compare/thresholds.js';
import { nonNegativeInt, positiveInt } from './options.js';

export interface ComparisonCommandFlags extends ComparisonFlags {
  readonly format: 'table' | 'md' | 'json';
  readonly junit?: string;
  readonly summary?: string;
}

/** The options `bench compare` and `bench check` share. */
export function addComparisonOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'stdout format: a table, Markdown (job summary, PR comment) or JSON').choices(['table', 'md', 'json']).default('table'))
    .option('--junit <file>', 'also write JUnit XML: one test case per prompt set and metric, a failure where the check fails')
    .option('--summary <file>', 'also append the Markdown report to this file (e.g. "$GITHUB_STEP_SUMMARY")')
    .option('--max-drop <limits>', 'largest allowed fall per metric in percentage points, e.g. acc1=0.5,acc5=1,mpcr=off (default 0 each)')
    .option('--require-significance', 'fail only on falls that are also significant at 5% (McNemar exact test; bootstrap CI for mean per-class recall)')
    .option('--allow-model-change', 'compare even when the model (weights or dtype) or the dataset differs')
    .option('--resamples <n>', 'paired bootstrap resamples (at least 1000; default 2000)', positiveInt)
    .option('--seed <s>', 'bootstrap seed: the same seed gives the same interval on every machine (default 0)', nonNegativeInt)
    .option('-c, --config <file>', 'settings file whose "check" section holds defaults (default: bench.config.json)');
}

/**
 * Loads both sides, compares and checks them, prints the chosen format and writes the JUnit and
 * Markdown files. When the runs cannot be compared, those files say why before the error surfaces.
 */
export function runComparison(baselineFile: string, currentFile: string, flags: ComparisonCommandFlags, settings: ComparisonSettings, options: { requireAllSets: boolean }): CheckOutcome {
  const started = performance.now();
  let outcome: CheckOutcome;
  try {
    const comparison = compareRuns(loadRunSummary(baselineFile), loadRunSummary(currentFile), { allowModelChange: settings.allowModelChange, bootstrap: settings.bootstrap });
    if (options.requireAllSets && comparison.missingSets.length > 0) {
      throw new NotComparableError(
        `cannot check: prompt set(s) ${comparison.missingSets.map((s) => `"${s}"`).join(', ')} are in the baseline but not in ${currentFile}.\n` +
          'Run them too, or save a new baseline with `bench baseline save` if they were dropped on purpose.',
      );
    }
    outcome = evaluateCheck(comparison, settings.check);
  } catch (error) {
    if (error instanceof NotComparableError) reportNotComparable(error.message, flags, (performance.now() - started) / 1000);
    throw error;
  }
  const text = flags.format === 'json' ? formatJson(outcome) : flags.format === 'md' ? formatMarkdown(outcome) : formatTerminal(outcome);
  process.stdout.write(`${text.trimEnd()}\n`);
  if (flags.junit) writeFileCreatingDir(flags.junit, formatJUnit(outcome, { seconds: (performance.now() - started) / 1000 }));
  if (flags.summary) appendFileSync(flags.summary, `${formatMarkdown(outcome)}\n`);
  return outcome;
}

function reportNotComparable(message: string, flags: ComparisonCommandFlags, seconds: number): void {
  if (flags.junit) writeFileCreatingDir(flags.junit, formatJUnitError(message, { seconds }));
  if (flags.summary) appendFileSync(flags.summary, `### ⚠️ ClipBench check could not compare the runs\n\n${message.split('\n').map((l) => `> ${escapeMarkdown(l)}`).join('\n')}\n\n`);
}

function writeFileCreatingDir(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

export function registerCompare(program: Command): void {
  const command = program
    .command('compare')
    .description('compare two runs image by image: deltas, McNemar exact test, paired bootstrap 95% CI (each side a baseline or a results.json)')
    .argument('<baseline>', 'baseline file (bench baseline save) or results.json')
    .argument('<current>', 'results.json or baseline file');
  addComparisonOptions(command).action((baseline: string, current: string, flags: ComparisonCommandFlags) => {
    runComparison(baseline, current, flags, resolveComparisonSettings(process.cwd(), flags), { requireAllSets: false });
  });
}
