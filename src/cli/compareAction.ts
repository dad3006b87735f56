import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareRuns } from '../compare/compare.js';
import { NotComparableError } from '../compare/comparable.js';
import { formatJson, formatMarkdown, formatTerminal } from '../compare/format.js';
import { escapeMarkdown } from '../util/format.js';
import { formatJUnit, formatJUnitError } from '../compare/junit.js';
import { loadRunSummary } from '../compare/load.js';
import { resolveComparisonSettings, type ComparisonSettings } from '../compare/settings.js';
import { evaluateCheck, type CheckOutcome } from '../compare/thresholds.js';
import type { ComparisonCommandFlags } from './compare.js';

/** `bench compare`: never fails on a fall (that is `bench check`), only on runs that cannot be compared. */
export function compareCommand(baseline: string, current: string, flags: ComparisonCommandFlags): void {
  runComparison(baseline, current, flags, resolveComparisonSettings(process.cwd(), flags), { requireAllSets: false });
}

/**
 * Loads both sides, compares and checks them, prints the chosen format and writes the JUnit and
 * Markdown files. When the runs cannot be compared, those files say why before the error surfaces.
 */
export function runComparison(
  baselineFile: string,
  currentFile: string,
  flags: ComparisonCommandFlags,
  settings: ComparisonSettings,
  options: { requireAllSets: boolean },
): CheckOutcome {
  const started = performance.now();
  let outcome: CheckOutcome;
  try {
    const comparison = compareRuns(loadRunSummary(baselineFile), loadRunSummary(currentFile), {
      allowModelChange: settings.allowModelChange,
      bootstrap: settings.bootstrap,
    });
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
  if (flags.summary)
    appendFileSync(
      flags.summary,
      `### ⚠️ ClipBench check could not compare the runs\n\n${message
        .split('\n')
        .map((l) => `> ${escapeMarkdown(l)}`)
        .join('\n')}\n\n`,
    );
}

function writeFileCreatingDir(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
