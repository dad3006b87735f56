import type { CacheSession } from '../cache/cachedCompute.js';
import type { ClipModel } from '../model/clipModel.js';
import { onnxFileName } from '../model/source.js';
import type { CacheCounts, RunInfo } from '../results/schema.js';
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
  readonly onTruncated?: (prompt: string, promptSet: string) => void;
}

/** The task-independent part of results.json's `run`: identity, model, settings, cache use, timing. */
export async function runInfo(
  context: RunContext,
  counts: { readonly images: CacheCounts; readonly texts: CacheCounts },
): Promise<Omit<RunInfo, 'dataset'>> {
  const { model } = context;
  const weights = await Promise.all(
    (['text', 'vision'] as const).map(async (tower) => [onnxFileName(tower, model.source.dtype), (await model.identity(tower)).weights]),
  );
  return {
    id: context.runId,
    createdAt: new Date().toISOString(),
    toolVersion: TOOL_VERSION,
    model: { id: model.source.id, kind: model.source.kind, dtype: model.source.dtype, onnxSha256: Object.fromEntries(weights) },
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
