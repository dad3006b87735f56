import type { OpenCache } from '../cache/index.js';
import type { RunConfig } from '../config/config.js';
import type { ModelSpec } from '../config/models.js';
import type { ClassificationDataset, RetrievalDataset } from '../datasets/types.js';
import { checkDtypes, contrastModels, type ModelOutcome } from '../compare/models.js';
import type { ClipModel } from '../model/clipModel.js';
import { onnxStats } from '../model/onnxStats.js';
import { onnxPath } from '../model/source.js';
import { captionsAsTheyAre, type PromptSet } from '../prompts/index.js';
import { MULTI_MODEL_VERSION, type ModelCost, type MultiModelResults } from '../results/multiModelSchema.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import { TOOL_VERSION } from '../version.js';
import type { BenchRunHooks } from './benchRun.js';
import { loadRunModel } from './prepare.js';
import { classifyWithEmbeddings } from './runClassification.js';
import { timedModel, type RunContext, type StageClock } from './runInfo.js';
import { runRetrieval } from './runRetrieval.js';
import { embedImagesShared } from './sharedImages.js';

/** What every model of a run shares. */
export interface ModelRunShared {
  readonly config: RunConfig;
  readonly cwd: string;
  readonly hooks: BenchRunHooks;
  readonly runId: string;
  readonly startedAt: number;
  readonly clock: StageClock;
  readonly cache: OpenCache;
  readonly dataset: ClassificationDataset | RetrievalDataset;
  readonly promptSets: readonly PromptSet[];
}

/** A classification run of every model: each model's outcome, and how many images were preprocessed. */
export interface ModelsRun {
  readonly outcomes: readonly ModelOutcome[];
  readonly preprocessed: number;
}

/**
 * Loads every (model, dtype), embeds the images for all of them at once (each image decoded and
 * preprocessed once per preprocessing configuration), then scores each model's prompts. Costs
 * are measured per model: its own load time, and images per second of its vision tower alone
 * (the shared preprocessing is not any one model's cost).
 */
export async function runModelsClassification(
  specs: readonly ModelSpec[],
  shared: ModelRunShared & { readonly dataset: ClassificationDataset },
): Promise<ModelsRun> {
  const { config, clock, dataset } = shared;
  const meters = specs.map(() => ({ loadMs: 0, towerMs: 0, images: 0 }));
  const models: ClipModel[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      const loaded = await clock.time('modelLoad', () =>
        metered(meters[i]!, () => loadRunModel({ ...config, model: spec.id, dtype: spec.dtype }, shared.cwd, shared.cache)),
      );
      models.push(meteredModel(timedModel(loaded, meteredClock(clock, meters[i]!)), meters[i]!));
    }
    const images = await clock.time('imageEmbedding', () =>
      embedImagesShared(models, dataset.items, config.batchSize, shared.cache.session),
    );
    const outcomes: ModelOutcome[] = [];
    for (const [i, spec] of specs.entries()) {
      const context = runContext(models[i]!, shared);
      const subset = { limit: config.limit, perClass: config.perClass };
      const run = await classifyWithEmbeddings({ ...context, dataset, subset, promptSets: shared.promptSets, images: images.perModel[i]! });
      // A one-model run writes version 1, which has no costs: its weights need not even be readable (a fully cached run).
      const measured = specs.length > 1 ? await cost(models[i]!, meters[i]!, run.results, shared.hooks.onWarning) : UNMEASURED;
      outcomes.push({ key: spec.key, results: run.results, imageEmbeddings: run.imageEmbeddings, cost: measured });
    }
    return { outcomes, preprocessed: images.preprocessed };
  } finally {
    await Promise.all(models.map((m) => m.dispose()));
  }
}

/** A retrieval run has one model: it embeds its images and captions itself. */
export async function runRetrievalModel(
  spec: ModelSpec,
  shared: ModelRunShared & { readonly dataset: RetrievalDataset },
): Promise<RetrievalResults> {
  const { config, clock } = shared;
  const loaded = await clock.time('modelLoad', () =>
    loadRunModel({ ...config, model: spec.id, dtype: spec.dtype }, shared.cwd, shared.cache),
  );
  const model = timedModel(loaded, clock);
  try {
    const promptSets = shared.promptSets.length > 0 ? shared.promptSets : [captionsAsTheyAre()];
    return await runRetrieval({
      ...runContext(model, shared),
      dataset: shared.dataset,
      limit: config.limit,
      promptSets,
      ks: config.recallK,
    });
  } finally {
    await model.dispose();
  }
}

function runContext(model: ClipModel, shared: ModelRunShared): RunContext {
  const { config } = shared;
  return {
    runId: shared.runId,
    startedAt: shared.startedAt,
    model,
    seed: config.seed,
    batchSize: config.batchSize,
    threads: config.threads,
    cache: shared.cache.session,
    onTruncated: shared.hooks.onTruncated,
    clock: shared.clock,
  };
}

const UNMEASURED: ModelCost = { loadSeconds: 0, imagesComputed: 0, imagesPerSecond: null, parameters: null, onnxBytes: null };

interface Meter {
  loadMs: number;
  towerMs: number;
  images: number;
}

async function metered<T>(meter: Meter, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    meter.loadMs += performance.now() - started;
  }
}

/** The run's clock, with this model's lazy loads (tokenizer, towers) also added to its own meter. */
function meteredClock(clock: StageClock, meter: Meter): StageClock {
  return { ...clock, load: (work) => clock.load(() => metered(meter, work)) };
}

/** Times the vision tower's calls for images per second; a tower load inside the first call is the load's, not the tower's. */
function meteredModel(model: ClipModel, meter: Meter): ClipModel {
  return {
    ...model,
    embedImages: async (pixels) => {
      const [started, loadBefore] = [performance.now(), meter.loadMs];
      const out = await model.embedImages(pixels);
      meter.towerMs += performance.now() - started - (meter.loadMs - loadBefore);
      meter.images += pixels.length;
      return out;
    },
  };
}

async function cost(model: ClipModel, meter: Meter, results: Results, onWarning?: (message: string) => void): Promise<ModelCost> {
  return {
    loadSeconds: round(meter.loadMs / 1000),
    imagesComputed: results.run.cache.images.computed,
    imagesPerSecond: meter.images > 0 && meter.towerMs > 0 ? round(meter.images / (meter.towerMs / 1000)) : null,
    ...(await modelSize(model, onWarning)),
  };
}

/**
 * Parameters and bytes of both towers' ONNX files (0 for a tower with no file on disk); null, with
 * a warning, when a file cannot be parsed: the run's numbers do not depend on it.
 */
async function modelSize(model: ClipModel, onWarning?: (message: string) => void): Promise<Pick<ModelCost, 'parameters' | 'onnxBytes'>> {
  try {
    const stats = await Promise.all(
      (['text', 'vision'] as const).map(async (tower) => {
        const file = await onnxPath(model.source, tower);
        return file === null ? { parameters: 0, bytes: 0 } : onnxStats(file);
      }),
    );
    return { parameters: stats.reduce((n, s) => n + s.parameters, 0), onnxBytes: stats.reduce((n, s) => n + s.bytes, 0) };
  } catch (error) {
    onWarning?.(`${model.source.id}: parameter count and size unknown: ${error instanceof Error ? error.message : String(error)}`);
    return { parameters: null, onnxBytes: null };
  }
}

/** The version-2 file of a classification run with several models. */
export function multiModelResults(runId: string, startedAt: number, run: ModelsRun): MultiModelResults {
  return {
    schemaVersion: MULTI_MODEL_VERSION,
    task: 'classification',
    run: {
      id: runId,
      createdAt: new Date(startedAt).toISOString(),
      toolVersion: TOOL_VERSION,
      durationMs: Date.now() - startedAt,
      imagesPreprocessed: run.preprocessed,
    },
    models: run.outcomes.map((m) => ({ key: m.key, cost: m.cost, results: m.results })),
    modelContrasts: contrastModels(run.outcomes),
    dtypeChecks: checkDtypes(run.outcomes),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
