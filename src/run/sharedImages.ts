import type { CacheSession } from '../cache/cachedCompute.js';
import type { ClipModel } from '../model/clipModel.js';
import { createPreprocessPool, type PreprocessPool } from '../model/preprocessPool.js';
import { contentHashes, embedImages, type ImageEmbeddings, type ImageItem, type ItemError } from './embedImages.js';
import { createProgress } from './progress.js';

export interface SharedImageEmbeddings {
  /** In the order of the models given. */
  readonly perModel: readonly ImageEmbeddings[];
  /** Images decoded and preprocessed, all models together: once per image and preprocessing configuration. */
  readonly preprocessed: number;
}

/**
 * Items per chunk when several models share one preprocessing: a chunk's tensors are held until
 * every model of the group has embedded it, so memory stays flat in the dataset's size (256 ×
 * 3 × 224² float32 ≈ 154 MB at most).
 */
const CHUNK = 256;

/**
 * Image embeddings of every model, each image decoded and preprocessed once per preprocessing
 * configuration rather than once per model: models with the same configuration go through the
 * items chunk by chunk, and the later ones reuse the tensors the first one made. A model alone
 * in its configuration embeds everything in one pass, as a one-model run does.
 */
export async function embedImagesShared(
  models: readonly ClipModel[],
  items: readonly ImageItem[],
  batchSize: number,
  session: CacheSession,
): Promise<SharedImageEmbeddings> {
  const perModel = new Array<ImageEmbeddings>(models.length);
  let preprocessed = 0;
  for (const group of groupByPreprocess(models)) {
    const pool: { current?: PreprocessPool } = {};
    const spec = models[group[0]!]!.preprocess;
    const fresh = (item: ImageItem): Promise<Float32Array> => {
      preprocessed++;
      pool.current ??= createPreprocessPool();
      return pool.current.preprocess(item.source, spec);
    };
    try {
      if (group.length === 1) perModel[group[0]!] = await embedImages(models[group[0]!]!, items, batchSize, session, { preprocess: fresh });
      else
        (
          await embedGroup(
            group.map((m) => models[m]!),
            items,
            batchSize,
            session,
            fresh,
          )
        ).forEach((e, k) => (perModel[group[k]!] = e));
    } finally {
      await pool.current?.close();
    }
  }
  return { perModel, preprocessed };
}

async function embedGroup(
  models: readonly ClipModel[],
  items: readonly ImageItem[],
  batchSize: number,
  session: CacheSession,
  fresh: (item: ImageItem) => Promise<Float32Array>,
): Promise<ImageEmbeddings[]> {
  const hashes = await contentHashes(items);
  const progress = createProgress({ label: `images × ${models.length} models`, total: items.length * models.length });
  const parts = models.map(() => ({
    embeddings: [] as (Float32Array | undefined)[],
    errors: [] as ItemError[],
    fromCache: 0,
    computed: 0,
  }));
  try {
    for (let start = 0; start < items.length; start += CHUNK) {
      const chunk = items.slice(start, start + CHUNK);
      const memo = new Map<ImageItem, Promise<Float32Array>>();
      const preprocess = (item: ImageItem): Promise<Float32Array> => {
        const known = memo.get(item);
        if (known !== undefined) return known;
        const made = fresh(item);
        memo.set(item, made);
        return made;
      };
      for (const [k, model] of models.entries()) {
        const r = await embedImages(model, chunk, batchSize, session, { hashes: hashes.slice(start, start + CHUNK), preprocess, progress });
        const part = parts[k]!;
        part.embeddings.push(...r.embeddings);
        part.errors.push(...r.errors);
        part.fromCache += r.fromCache;
        part.computed += r.computed;
      }
    }
  } finally {
    progress.done();
  }
  return parts;
}

/** Model indices grouped by preprocessing configuration, in first-seen order. */
function groupByPreprocess(models: readonly ClipModel[]): number[][] {
  const groups = new Map<string, number[]>();
  models.forEach((m, i) => {
    const key = JSON.stringify(m.preprocess);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()];
}
