import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { historyFileFor, readHistory } from '../history/history.js';
import type { Results } from '../results/schema.js';
import { baselineToSummary, isBaselineJson } from './baseline.js';
import { summarizeResults, type RunSummary } from './summary.js';

/** Reads a baseline file or a full results.json; either can stand on either side of a comparison. */
export function loadRunSummary(file: string): RunSummary {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (isBaselineJson(value)) return baselineToSummary(value, file);
  if ((value as { task?: unknown } | null)?.task === 'retrieval') {
    throw new InputError(`${file}: a retrieval run; compare, check and baselines handle classification runs for now`);
  }
  if (!isResultsJson(value)) {
    throw new InputError(`${file}: neither a results.json (schemaVersion 1, from \`bench run\`) nor a baseline (from \`bench baseline save\`)`);
  }
  return summarizeResults(value, file, commitFromHistory(file, value.run.id));
}

function isResultsJson(value: unknown): value is Results {
  const v = value as Partial<Results> | null;
  return v?.schemaVersion === 1 && typeof v.run?.id === 'string' && Array.isArray(v.promptSets) && Array.isArray(v.items);
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
