import { sha256 } from '../util/hash.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import { gitState, type GitState } from './git.js';
import { appendHistory, historyFileFor, HISTORY_VERSION, type HistoryRecord } from './history.js';

export function historyRecord(results: Results | RetrievalResults, git: GitState): HistoryRecord {
  const { run } = results;
  return {
    historyVersion: HISTORY_VERSION,
    runId: run.id,
    task: results.task === 'retrieval' ? 'retrieval' : 'classification',
    createdAt: run.createdAt,
    toolVersion: run.toolVersion,
    commit: git.commit,
    dirty: git.dirty,
    model: { id: run.model.id, dtype: run.model.dtype, weights: weightsFingerprint(run.model.onnxSha256) },
    dataset: datasetOf(results),
    promptSets: results.promptSets.map((set) => ({ name: set.name, templates: set.templates.length, metrics: set.metrics })),
  };
}

function datasetOf(results: Results | RetrievalResults): HistoryRecord['dataset'] {
  const { run } = results;
  if (results.task === 'retrieval') {
    const d = results.run.dataset;
    return { name: d.name, itemCount: d.imageCount, evaluated: results.images.length, limit: d.limit, perClass: null, seed: run.seed };
  }
  const d = results.run.dataset;
  return { name: d.name, itemCount: d.itemCount, evaluated: results.items.length, limit: d.limit, perClass: d.perClass, seed: run.seed };
}

/** Order-independent, so the same weights give the same fingerprint whatever the file layout order. */
export function weightsFingerprint(onnxSha256: Readonly<Record<string, string>>): string {
  const lines = Object.entries(onnxSha256)
    .map(([file, sha]) => `${file}=${sha}`)
    .sort();
  return sha256(lines.join('\n')).slice(0, 16);
}

/**
 * Appends the run to `<outDir>/history.jsonl`. A history that cannot be written (read-only
 * folder, full disk) costs a warning, never the run whose results are already on disk.
 */
export async function recordRunHistory(
  outDir: string,
  results: Results | RetrievalResults,
  options: { cwd: string; onWarning?: (message: string) => void },
): Promise<void> {
  const file = historyFileFor(outDir);
  try {
    await appendHistory(file, historyRecord(results, gitState(options.cwd)));
  } catch (error) {
    options.onWarning?.(`could not append to the run history ${file}: ${(error as Error).message}`);
  }
}
