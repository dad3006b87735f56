import { openCache, type OpenCache } from '../cache/index.js';
import { cacheSettings, type RunConfig } from '../config/config.js';
import { blankCaptionsWarning } from '../datasets/captions.js';
import { loadAnyDataset, selectRetrievalSubset, selectSubset } from '../datasets/index.js';
import type { ClassificationDataset, Dataset, RetrievalDataset } from '../datasets/types.js';
import { InputError } from '../errors.js';
import { loadClipModel, type ClipModel } from '../model/clipModel.js';
import { loadClipBenchmarkTemplates, loadPromptSets, type PromptSet } from '../prompts/index.js';
import type { BenchRunHooks } from './benchRun.js';

/** What every command that embeds needs before its model loads: checked prompt files, the chosen items, the cache. */
export interface RunInputs {
  readonly promptSets: readonly PromptSet[];
  readonly dataset: ClassificationDataset | RetrievalDataset;
  readonly cache: OpenCache;
}

/**
 * Reads the prompt files and the dataset, picks the subset and opens the embedding cache, checking
 * that they fit together, so that input errors cost milliseconds rather than a model load.
 */
export async function prepareInputs(
  config: RunConfig,
  promptFiles: readonly string[],
  cwd: string,
  hooks: Pick<BenchRunHooks, 'onWarning' | 'signal' | 'hold'>,
): Promise<RunInputs> {
  const given = await loadPromptSets(promptFiles);
  const dataset = selectItems(
    await loadAnyDataset(config.dataset, {
      cwd,
      datasetsDir: config.datasetsDir,
      split: config.split ?? undefined,
      images: config.images ?? undefined,
      classnames: config.classnames ?? undefined,
    }),
    config,
  );
  // Shards that come with CLIP_benchmark's templates file are evaluated with it when no prompts are given.
  const promptSets =
    given.length === 0 && dataset.task === 'classification' && dataset.templatesFile !== undefined
      ? [await loadClipBenchmarkTemplates(dataset.templatesFile)]
      : given;
  checkTask(dataset, config, promptSets);
  const blank = dataset.task === 'retrieval' ? blankCaptionsWarning(dataset) : undefined;
  if (blank !== undefined) hooks.onWarning?.(blank);
  const cache = await openCache({
    ...cacheSettings(config),
    signal: hooks.signal,
    onWarning: hooks.onWarning,
    hold: hooks.hold,
  });
  return { promptSets, dataset, cache };
}

/** The run's model; its towers load lazily, when first needed. */
export function loadRunModel(config: RunConfig, cwd: string, cache: OpenCache): Promise<ClipModel> {
  return loadClipModel({
    model: config.model,
    revision: config.revision,
    dtype: config.dtype,
    preprocess: config.preprocess,
    threads: config.threads,
    cwd,
    fileHashMemo: cache.fileHashMemo,
  });
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
    if (promptSets.length === 0) throw new InputError('no prompt files: pass --prompts <file.hbs|file.json> (see prompts/ for examples)');
    if (dataset.items.length === 0) throw new InputError(`dataset ${dataset.root} has no items to evaluate`);
    const usesCaption = promptSets.flatMap((s) =>
      s.templates.filter((t) => t.variables.includes('caption')).map((t) => `${s.file}:${t.line}`),
    );
    if (usesCaption.length > 0)
      throw new InputError(`${usesCaption[0]}: {{caption}} needs a captioned (retrieval) dataset; use {{label}} here`);
    return;
  }
  const usesLabel = promptSets.flatMap((s) => s.templates.filter((t) => t.variables.includes('label')).map((t) => `${s.file}:${t.line}`));
  if (usesLabel.length > 0)
    throw new InputError(`${usesLabel[0]}: {{label}} needs a classification dataset; wrap captions with {{caption}}`);
}
