import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareRuns } from '../compare/compare.js';
import { NotComparableError } from '../compare/comparable.js';
import { formatJson, formatMarkdown, formatTerminal } from '../compare/format.js';
import { escapeMarkdown } from '../util/format.js';
import { formatJUnitAll, formatJUnitError } from '../compare/junit.js';
import { loadRunSummaries } from '../compare/load.js';
import type { RunSummary } from '../compare/summary.js';
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
 * Runs of several models are compared model by model (matched by model key): a model of the
 * baseline missing from the current run cannot be checked; a new model is reported, not checked.
 */
export function runComparison(
  baselineFile: string,
  currentFile: string,
  flags: ComparisonCommandFlags,
  settings: ComparisonSettings,
  options: { requireAllSets: boolean },
): { readonly passed: boolean } {
  const started = performance.now();
  let outcomes: { readonly key: string; readonly outcome: CheckOutcome }[];
  let newModels: string[];
  try {
    const baselines = loadRunSummaries(baselineFile);
    const currents = loadRunSummaries(currentFile);
    const single = baselines.length === 1 && currents.length === 1;
    const missing = baselines.filter((b) => !single && !currents.some((c) => c.key === b.key)).map((b) => b.key);
    if (missing.length > 0) {
      throw new NotComparableError(
        `cannot check: model(s) ${missing.map((k) => `"${k}"`).join(', ')} are in the baseline but not in ${currentFile}.\n` +
          'Run them too, or save a new baseline with `bench baseline save` if they were dropped on purpose.',
      );
    }
    newModels = single ? [] : currents.filter((c) => !baselines.some((b) => b.key === c.key)).map((c) => c.key);
    outcomes = baselines.map((b) => ({
      key: b.key,
      outcome: checkPair(
        b.summary,
        (single ? currents[0]! : currents.find((c) => c.key === b.key)!).summary,
        currentFile,
        settings,
        options,
      ),
    }));
  } catch (error) {
    if (error instanceof NotComparableError) reportNotComparable(error.message, flags, (performance.now() - started) / 1000);
    throw error;
  }
  const several = outcomes.length > 1 || newModels.length > 0;
  const heading = (key: string, md: boolean): string =>
    several ? (md ? `## Model ${escapeMarkdown(key)}\n\n` : `== model ${key} ==\n`) : '';
  const notes = newModels.map((k) => `new model ${k}: not in the baseline, not checked (save a new baseline to check it)`);
  const text =
    flags.format === 'json'
      ? several
        ? JSON.stringify(
            { models: outcomes.map((o) => ({ key: o.key, ...(JSON.parse(formatJson(o.outcome)) as object) })), newModels },
            null,
            2,
          )
        : formatJson(outcomes[0]!.outcome)
      : [
          ...outcomes.map(
            (o) =>
              `${heading(o.key, flags.format === 'md')}${(flags.format === 'md' ? formatMarkdown : formatTerminal)(o.outcome).trimEnd()}`,
          ),
          ...notes,
        ].join('\n\n');
  process.stdout.write(`${text.trimEnd()}\n`);
  const seconds = (performance.now() - started) / 1000;
  if (flags.junit)
    writeFileCreatingDir(
      flags.junit,
      formatJUnitAll(
        outcomes.map((o) => (several ? prefixSets(o.key, o.outcome) : o.outcome)),
        { seconds },
      ),
    );
  if (flags.summary)
    appendFileSync(
      flags.summary,
      `${outcomes.map((o) => `${heading(o.key, true)}${formatMarkdown(o.outcome)}`).join('\n')}\n${notes.join('\n')}\n`,
    );
  return { passed: outcomes.every((o) => o.outcome.passed) };
}

function checkPair(
  baseline: RunSummary,
  current: RunSummary,
  currentFile: string,
  settings: ComparisonSettings,
  options: { requireAllSets: boolean },
): CheckOutcome {
  const comparison = compareRuns(baseline, current, { allowModelChange: settings.allowModelChange, bootstrap: settings.bootstrap });
  if (options.requireAllSets && comparison.missingSets.length > 0) {
    throw new NotComparableError(
      `cannot check: prompt set(s) ${comparison.missingSets.map((s) => `"${s}"`).join(', ')} are in the baseline but not in ${currentFile}.\n` +
        'Run them too, or save a new baseline with `bench baseline save` if they were dropped on purpose.',
    );
  }
  return evaluateCheck(comparison, settings.check);
}

/** Each JUnit suite named by model and prompt set, so several models' suites stay apart. */
function prefixSets(key: string, outcome: CheckOutcome): CheckOutcome {
  return { ...outcome, rows: outcome.rows.map((r) => ({ ...r, promptSet: `${key} · ${r.promptSet}` })) };
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
