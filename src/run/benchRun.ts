import type { RunConfig } from '../config/config.js';
import { loadDataset, selectSubset } from '../datasets/index.js';
import { openCache } from '../cache/index.js';
import { InputError } from '../errors.js';
import { loadClipModel } from '../model/clipModel.js';
import { loadPromptSets } from '../prompts/index.js';
import type { Results } from '../results/schema.js';
import { createRunDir, newRunId, writeResults } from '../results/write.js';
import { runClassification } from './runClassification.js';

export interface BenchRunOutput {
  readonly results: Results;
  readonly runDir: string;
  readonly resultsFile: string;
}

export interface BenchRunHooks {
  readonly onTruncated?: (prompt: string, promptSet: string) => void;
  readonly onWarning?: (message: string) => void;
  /** Aborting stops the run after the batch in flight is stored (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/**
 * `bench run` as a function: validates every input before loading the model (input errors should
 * cost milliseconds, not a model load), then runs and writes reports/<run-id>/results.json.
 */
export async function benchRun(config: RunConfig, promptFiles: readonly string[], cwd: string, hooks: BenchRunHooks = {}): Promise<BenchRunOutput> {
  const startedAt = Date.now();
  if (promptFiles.length === 0) throw new InputError('no prompt files: pass --prompts <file.hbs> (see prompts/ for examples)');
  const promptSets = await loadPromptSets(promptFiles);
  const full = await loadDataset(config.dataset, { cwd, datasetsDir: config.datasetsDir });
  const dataset = selectSubset(full, { limit: config.limit ?? undefined, perClass: config.perClass ?? undefined, seed: config.seed });
  if (dataset.items.length === 0) throw new InputError(`dataset ${dataset.root} has no items to evaluate`);
  const cache = openCache({ dir: config.cacheDir, enabled: config.cache, signal: hooks.signal, onWarning: hooks.onWarning });
  const model = await loadClipModel({
    model: config.model,
    dtype: config.dtype,
    preprocess: config.preprocess,
    threads: config.threads,
    cwd,
    fileHashMemo: cache.fileHashMemo,
  });
  try {
    const runId = newRunId();
    const results = await runClassification({
      runId,
      startedAt,
      dataset,
      subset: { limit: config.limit, perClass: config.perClass, seed: config.seed },
      promptSets,
      model,
      batchSize: config.batchSize,
      threads: config.threads,
      cache: cache.session,
      onTruncated: hooks.onTruncated,
    });
    const runDir = await createRunDir(config.out, runId);
    return { results, runDir, resultsFile: await writeResults(runDir, results) };
  } finally {
    await model.dispose();
    await cache.close();
  }
}
