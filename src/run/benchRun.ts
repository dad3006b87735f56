import { openCache } from '../cache/index.js';
import type { RunConfig } from '../config/config.js';
import { loadAnyDataset, selectRetrievalSubset, selectSubset } from '../datasets/index.js';
import type { ClassificationDataset, Dataset, RetrievalDataset } from '../datasets/types.js';
import { InputError } from '../errors.js';
import { recordRunHistory } from '../history/record.js';
import { loadClipModel } from '../model/clipModel.js';
import { captionsAsTheyAre, loadPromptSets, type PromptSet } from '../prompts/index.js';
import { writeRunReport, type ReportFiles } from '../report/index.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import { createRunDir, newRunId, writeResults } from '../results/write.js';
import { runClassification } from './runClassification.js';
import type { RunContext } from './runInfo.js';
import { runRetrieval } from './runRetrieval.js';

export interface BenchRunOutput {
  readonly results: Results | RetrievalResults;
  readonly runDir: string;
  readonly resultsFile: string;
  /** index.html, summary.md and metrics.csv beside results.json; absent if writing them failed (a warning says why). */
  readonly report?: ReportFiles;
}

export interface BenchRunHooks {
  readonly onTruncated?: (prompt: string, promptSet: string) => void;
  readonly onWarning?: (message: string) => void;
  /** Aborting stops the run after the batch in flight is stored (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Images in the report's gallery (default 200). */
  readonly galleryLimit?: number;
}

/**
 * `bench run` as a function: validates every input before loading the model (input errors should
 * cost milliseconds, not a model load), runs the dataset's task, and writes reports/<run-id>/.
 */
export async function benchRun(config: RunConfig, promptFiles: readonly string[], cwd: string, hooks: BenchRunHooks = {}): Promise<BenchRunOutput> {
  const startedAt = Date.now();
  const promptSets = await loadPromptSets(promptFiles);
  const dataset = selectItems(await loadAnyDataset(config.dataset, { cwd, datasetsDir: config.datasetsDir, split: config.split ?? undefined, images: config.images ?? undefined }), config);
  checkTask(dataset, config, promptSets);
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
    const context: RunContext = {
      runId,
      startedAt,
      model,
      seed: config.seed,
      batchSize: config.batchSize,
      threads: config.threads,
      cache: cache.session,
      onTruncated: hooks.onTruncated,
    };
    const runDir = await createRunDir(config.out, runId);
    if (dataset.task === 'retrieval') {
      const sets = promptSets.length > 0 ? promptSets : [captionsAsTheyAre()];
      const results = await runRetrieval({ ...context, dataset, limit: config.limit, promptSets: sets, ks: config.recallK });
      const resultsFile = await writeResults(runDir, results);
      await recordRunHistory(config.out, results, { cwd, onWarning: hooks.onWarning });
      const report = await writeRunReport(results, runDir, { dataset, cwd, onWarning: hooks.onWarning });
      return { results, runDir, resultsFile, report };
    }
    const subset = { limit: config.limit, perClass: config.perClass };
    const results = await runClassification({ ...context, dataset, subset, promptSets });
    const resultsFile = await writeResults(runDir, results);
    await recordRunHistory(config.out, results, { cwd, onWarning: hooks.onWarning });
    const report = await writeRunReport(results, runDir, { dataset, cwd, galleryLimit: hooks.galleryLimit, outDir: config.out, onWarning: hooks.onWarning });
    return { results, runDir, resultsFile, report };
  } finally {
    await model.dispose();
    await cache.close();
  }
}

function selectItems(dataset: Dataset, config: RunConfig): ClassificationDataset | RetrievalDataset {
  if (dataset.task === 'retrieval') {
    if (config.perClass !== null) throw new InputError('--per-class applies to classification; a captioned set has no classes');
    return selectRetrievalSubset(dataset, { limit: config.limit ?? undefined, seed: config.seed });
  }
  return selectSubset(dataset, { limit: config.limit ?? undefined, perClass: config.perClass ?? undefined, seed: config.seed });
}

function checkTask(dataset: Dataset, config: RunConfig, promptSets: readonly PromptSet[]): void {
  if (config.task !== null && config.task !== dataset.task) {
    throw new InputError(`--task ${config.task}, but ${dataset.root} is a ${dataset.task} dataset`);
  }
  if (dataset.task === 'classification') {
    if (promptSets.length === 0) throw new InputError('no prompt files: pass --prompts <file.hbs> (see prompts/ for examples)');
    if (dataset.items.length === 0) throw new InputError(`dataset ${dataset.root} has no items to evaluate`);
    const usesCaption = promptSets.flatMap((s) => s.templates.filter((t) => t.variables.includes('caption')).map((t) => `${s.file}:${t.line}`));
    if (usesCaption.length > 0) throw new InputError(`${usesCaption[0]}: {{caption}} needs a captioned (retrieval) dataset; use {{label}} here`);
    return;
  }
  const usesLabel = promptSets.flatMap((s) => s.templates.filter((t) => t.variables.includes('label')).map((t) => `${s.file}:${t.line}`));
  if (usesLabel.length > 0) throw new InputError(`${usesLabel[0]}: {{label}} needs a classification dataset; wrap captions with {{caption}}`);
}
