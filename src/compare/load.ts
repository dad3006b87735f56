import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { historyFileFor, readHistory } from '../history/history.js';
import { resultsSchema, SCHEMA_VERSION } from '../results/schema.js';
import { checkJson, isRecord, readJsonValueSync } from '../util/json.js';
import { baselineSetToSummaries, baselineToSummary, isBaselineJson, isBaselineSetJson } from './baseline.js';
import { modelKey } from '../config/models.js';
import { multiModelResultsSchema } from '../results/multiModelSchema.js';
import { SUITE_RESULT_KIND, suiteResultSchema, type SuiteResult } from '../results/suiteSchema.js';
import { summarizeResults, type RunSummary } from './summary.js';

/** One model's part of a run or baseline, by its model key. */
export interface KeyedSummary {
  readonly key: string;
  readonly summary: RunSummary;
}

/**
 * Reads a baseline file or a results.json, of one model or several, as one summary per model;
 * either can stand on either side of a comparison.
 */
export function loadRunSummaries(file: string): KeyedSummary[] {
  const value = readJsonValueSync(file, { fix: 'pass a results.json or a baseline file' });
  if (isBaselineSetJson(value)) return baselineSetToSummaries(value, file);
  if (isRecord(value) && value.kind === SUITE_RESULT_KIND) return suiteSummaries(checkJson(value, suiteResultSchema, file), file);
  if (isRecord(value) && value.schemaVersion === 2 && !isBaselineJson(value)) {
    const results = checkJson(value, multiModelResultsSchema, file, { fix: 'pass the results.json a run wrote' });
    return results.models.map((m) => ({ key: m.key, summary: summarizeResults(m.results, file, commitFromHistory(file, results.run.id)) }));
  }
  const summary = summaryOf(value, file);
  return [{ key: modelKey(summary.model.id, summary.model.dtype), summary }];
}

/**
 * Each classification dataset of a suite, per model, keyed `<dataset> · <model>`, so that a suite
 * is checked against a suite baseline like a multi-model run against its baseline. Retrieval
 * datasets are left out: checks compare classification runs.
 */
function suiteSummaries(suite: SuiteResult, file: string): KeyedSummary[] {
  return suite.datasets
    .filter((d) => d.task === 'classification')
    .flatMap((d) =>
      [...new Set(d.cells.map((c) => c.results))].flatMap((results) =>
        loadRunSummaries(path.resolve(path.dirname(file), results)).map((s) => ({ key: `${d.name} · ${s.key}`, summary: s.summary })),
      ),
    );
}

/** Reads a one-model baseline file or results.json. */
export function loadRunSummary(file: string): RunSummary {
  return summaryOf(readJsonValueSync(file, { fix: 'pass a results.json or a baseline file' }), file);
}

function summaryOf(value: unknown, file: string): RunSummary {
  if (isBaselineJson(value)) return baselineToSummary(value, file);
  if (!isRecord(value) || !('schemaVersion' in value)) {
    throw new InputError(
      `${file}: neither a results.json (schemaVersion ${SCHEMA_VERSION}, from \`bench run\`) nor a baseline (from \`bench baseline save\`)`,
    );
  }
  if (value.task === 'retrieval') {
    throw new InputError(`${file}: a retrieval run; compare, check and baselines handle classification runs for now`);
  }
  const results = checkJson(value, resultsSchema, file, { fix: 'pass the results.json a run wrote' });
  return summarizeResults(results, file, commitFromHistory(file, results.run.id));
}

/** results.json does not carry the commit; the history line its run appended beside it does. */
function commitFromHistory(resultsFile: string, runId: string): string | null {
  const history = historyFileFor(path.dirname(path.dirname(path.resolve(resultsFile))));
  try {
    return readHistory(history).find((r) => r.runId === runId)?.commit ?? null;
  } catch {
    return null;
  }
}

/**
 * The newest results.json under a runs folder. Run ids start with their UTC start time, so name
 * order is time order; runs started in the same second are told apart by the file's mtime.
 */
export function findLatestResults(outDir: string): string {
  const entries = existsSync(outDir) ? readdirSync(outDir, { withFileTypes: true }) : [];
  const runs = entries
    .filter((e) => e.isDirectory() && existsSync(path.join(outDir, e.name, 'results.json')))
    .map((e) => {
      const file = path.join(outDir, e.name, 'results.json');
      return { file, stamp: e.name.slice(0, 15), mtime: statSync(file).mtimeMs };
    })
    .sort((a, b) => (a.stamp === b.stamp ? a.mtime - b.mtime : a.stamp < b.stamp ? -1 : 1));
  const newest = runs[runs.length - 1];
  if (!newest) throw new InputError(`no runs under ${outDir}: run \`bench run\` first, or name a results.json`);
  return newest.file;
}
