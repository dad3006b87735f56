import type { CacheSession } from '../cache/cachedCompute.js';
import type { ClipModel } from '../model/clipModel.js';
import { onnxFileName, type Tower } from '../model/source.js';
import type { TextTokenizer } from '../model/types.js';
import type { CacheCounts, RunInfo, RunTimings } from '../results/schema.js';
import { TOOL_VERSION } from '../version.js';

/** What every task's run needs besides its dataset and prompt sets. */
export interface RunContext {
  readonly runId: string;
  /** When the run began (Date.now()), so durationMs covers loading the dataset and model too. */
  readonly startedAt: number;
  readonly model: ClipModel;
  readonly seed: number;
  readonly batchSize: number;
  readonly threads: number;
  readonly cache: CacheSession;
  /** Called once per prompt cut at the model's context length, so the CLI can warn. */
  readonly onTruncated?: (prompt: string, promptSet: string, contextLength: number) => void;
  /** Times the embedding and metrics stages; without one they are simply not timed. */
  readonly clock?: StageClock;
}

/** The task-independent part of results.json's `run`: identity, model, settings, cache use, timing. */
export async function runInfo(
  context: RunContext,
  counts: { readonly images: CacheCounts; readonly texts: CacheCounts },
): Promise<Omit<RunInfo, 'dataset'>> {
  const { model } = context;
  const weights = await Promise.all(
    (['text', 'vision'] as const).map(
      async (tower) => [onnxFileName(tower, model.source.dtype), (await model.identity(tower)).weights] as const,
    ),
  );
  return {
    id: context.runId,
    createdAt: new Date().toISOString(),
    toolVersion: TOOL_VERSION,
    model: {
      id: model.source.id,
      kind: model.source.kind,
      ...(model.source.revision === null ? {} : { revision: model.source.revision }),
      dtype: model.source.dtype,
      onnxSha256: Object.fromEntries(weights),
      family: model.family,
      head: { ...model.head },
    },
    preprocess: { ...model.preprocess },
    cache: {
      location: context.cache.store?.location ?? null,
      images: { fromCache: counts.images.fromCache, computed: counts.images.computed },
      texts: { fromCache: counts.texts.fromCache, computed: counts.texts.computed },
    },
    seed: context.seed,
    batchSize: context.batchSize,
    threads: context.threads,
    durationMs: Date.now() - context.startedAt,
  };
}

export type TimedStage = 'dataset' | 'modelLoad' | 'textEmbedding' | 'imageEmbedding' | 'metrics' | 'report';

/**
 * Wall time per stage of one run. Stages run one after another, never overlapping. The model loads
 * lazily, inside the embedding stages; `load` moves that time from the running stage to modelLoad,
 * so an embedding stage's time (and its images/s) is embedding only.
 */
export interface StageClock {
  time<T>(stage: TimedStage, work: () => Promise<T>): Promise<T>;
  load<T>(work: () => Promise<T>): Promise<T>;
  /** `images`: how many images the run embedded (evaluated or unreadable), for images/s. */
  timings(images: number): RunTimings;
}

/**
 * Starts timing a run; `startup` is the time from process start (performance.timeOrigin) to now.
 * `now` is in milliseconds since process start, replaceable for tests.
 */
export function startStageClock(now: () => number = () => performance.now()): StageClock {
  const startup = now();
  const ms: Record<TimedStage, number> = { dataset: 0, modelLoad: 0, textEmbedding: 0, imageEmbedding: 0, metrics: 0, report: 0 };
  let current: TimedStage | undefined;
  // Loads may overlap (the tokenizer of the next batch while a tower loads): their union is counted once.
  let loading = 0;
  let loadStarted = 0;
  return {
    async time(stage, work) {
      const outer = current;
      current = stage;
      const started = now();
      try {
        return await work();
      } finally {
        ms[stage] += now() - started;
        current = outer;
      }
    },
    async load(work) {
      if (loading++ === 0) loadStarted = now();
      try {
        return await work();
      } finally {
        if (--loading === 0) {
          const took = now() - loadStarted;
          ms.modelLoad += took;
          // Inside modelLoad itself this nets to zero, as it must: time() already counts it.
          if (current !== undefined) ms[current] -= took;
        }
      }
    },
    timings(images) {
      const seconds = (stage: TimedStage): number => round(Math.max(0, ms[stage]) / 1000, 4);
      const imageSeconds = Math.max(0, ms.imageEmbedding) / 1000;
      return {
        startup: round(startup / 1000, 4),
        dataset: seconds('dataset'),
        modelLoad: seconds('modelLoad'),
        textEmbedding: seconds('textEmbedding'),
        imageEmbedding: seconds('imageEmbedding'),
        imagesPerSecond: imageSeconds > 0 ? round(images / imageSeconds, 1) : null,
        metrics: seconds('metrics'),
        report: seconds('report'),
        total: round(now() / 1000, 4),
      };
    },
  };
}

/** Runs `work` as `stage` on the context's clock, if it has one. */
export function timeStage<T>(context: RunContext, stage: TimedStage, work: () => Promise<T>): Promise<T> {
  return context.clock ? context.clock.time(stage, work) : work();
}

/**
 * The model with its lazy loads timed as model load: the tokenizer, each tower's identity (the
 * weights' sha256, remembered between runs) and each tower's session. A tower is readied by a
 * one-item call before its first real batch, because creating the session happens inside that
 * first call and cannot be timed apart from the inference otherwise; the extra result is dropped.
 */
export function timedModel(model: ClipModel, clock: StageClock): ClipModel {
  let tokenizer: Promise<TextTokenizer> | undefined;
  const identities: Partial<Record<Tower, ReturnType<ClipModel['identity']>>> = {};
  const ready: Partial<Record<Tower, Promise<unknown>>> = {};
  return {
    source: model.source,
    preprocess: model.preprocess,
    family: model.family,
    head: model.head,
    tokenizer: () => (tokenizer ??= clock.load(() => model.tokenizer())),
    identity: (tower) => (identities[tower] ??= clock.load(() => model.identity(tower))),
    embedTexts: async (texts) => {
      if (texts.length > 0) await (ready.text ??= clock.load(() => model.embedTexts(texts.slice(0, 1))));
      return model.embedTexts(texts);
    },
    embedImages: async (pixels) => {
      if (pixels.length > 0) await (ready.vision ??= clock.load(() => model.embedImages(pixels.slice(0, 1))));
      return model.embedImages(pixels);
    },
    loadedTowers: () => model.loadedTowers(),
    dispose: () => model.dispose(),
  };
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
