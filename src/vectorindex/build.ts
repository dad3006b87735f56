import type { CacheSession } from '../cache/cachedCompute.js';
import type { ClipModel } from '../model/clipModel.js';
import { PREPROCESS_ALGORITHM } from '../model/preprocess.js';
import { preprocessSignature } from '../cache/keys.js';
import { embedImages, type ImageItem, type ItemError } from '../run/embedImages.js';
import { createProgress } from '../run/progress.js';
import { normalized, type IndexFingerprint, type VectorIndex } from './types.js';

/** What an index built with `model` must match: the weights of both towers, dtype and preprocessing. */
export async function modelFingerprint(model: ClipModel): Promise<IndexFingerprint> {
  const [vision, text] = await Promise.all([model.identity('vision'), model.identity('text')]);
  return {
    model: vision.label,
    dtype: vision.dtype,
    visionWeights: vision.weights,
    textWeights: text.weights,
    preprocess: preprocessSignature(model.preprocess, PREPROCESS_ALGORITHM),
  };
}

export interface BuildOptions {
  readonly batchSize: number;
  /** Images embedded and added at a time: only this many vectors are in memory besides the index. */
  readonly chunk?: number;
}

export interface BuildSummary {
  readonly added: number;
  /** Already in the index: neither hashed nor embedded again. */
  readonly skipped: number;
  readonly fromCache: number;
  readonly computed: number;
  readonly errors: ItemError[];
}

const DEFAULT_CHUNK = 1024;

/** Embeds the images not yet in `index` (through the embedding cache) and adds them, a chunk at a time. */
export async function buildIndex(
  model: ClipModel,
  items: readonly ImageItem[],
  index: VectorIndex,
  session: CacheSession,
  options: BuildOptions,
): Promise<BuildSummary> {
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  const progress = createProgress({ label: 'images', total: items.length });
  let added = 0;
  let skipped = 0;
  let fromCache = 0;
  let computed = 0;
  const errors: ItemError[] = [];
  for (let start = 0; start < items.length; start += chunk) {
    const slice = items.slice(start, start + chunk);
    const known = await index.known(slice.map((item) => item.id));
    const todo = slice.filter((item) => !known.has(item.id));
    skipped += slice.length - todo.length;
    progress.tick(slice.length - todo.length);
    const result = await embedImages(model, todo, options.batchSize, session, { progress });
    const ok = todo.flatMap((item, i) => (result.embeddings[i] === undefined ? [] : [{ id: item.id, vector: result.embeddings[i] }]));
    added += await index.add(
      ok.map((o) => o.id),
      ok.map((o) => normalized(o.vector)),
    );
    fromCache += result.fromCache;
    computed += result.computed;
    errors.push(...result.errors);
  }
  progress.done();
  return { added, skipped, fromCache, computed, errors };
}
