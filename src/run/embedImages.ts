import type { ClassificationItem } from '../datasets/types.js';
import type { ClipModel } from '../model/clipModel.js';
import { decodeImage } from '../model/decode.js';
import { preprocessImage } from '../model/preprocess.js';
import type { DecodedImage } from '../model/types.js';
import { createProgress } from './progress.js';

export interface ItemError {
  /** The item id (path relative to the dataset root). */
  readonly item: string;
  readonly reason: string;
}

export interface ImageEmbeddings {
  /** Embedding per item index; undefined where the item failed. */
  readonly embeddings: (Float32Array | undefined)[];
  readonly errors: ItemError[];
}

/**
 * Embeds every item in batches. A bad image is recorded in `errors` and skipped: one corrupt file
 * must not sink a run of thousands.
 */
export async function embedImages(
  model: ClipModel,
  items: readonly ClassificationItem[],
  batchSize: number,
): Promise<ImageEmbeddings> {
  const embeddings: (Float32Array | undefined)[] = new Array(items.length);
  const errors: ItemError[] = [];
  const progress = createProgress({ label: 'images', total: items.length });
  for (let start = 0; start < items.length; start += batchSize) {
    const batch = items.slice(start, start + batchSize);
    const pixels = await Promise.all(batch.map((item) => pixelValues(model, item).catch((e: unknown) => asError(item, e))));
    const good = pixels.flatMap((p, i) => (p instanceof Float32Array ? [{ index: start + i, p }] : []));
    errors.push(...pixels.filter((p): p is ItemError => !(p instanceof Float32Array)));
    const vectors = await model.embedImages(good.map((g) => g.p));
    good.forEach((g, i) => (embeddings[g.index] = vectors[i]));
    progress.tick(batch.length);
  }
  progress.done();
  return { embeddings, errors };
}

async function pixelValues(model: ClipModel, item: ClassificationItem): Promise<Float32Array> {
  const image: DecodedImage = item.source.kind === 'file' ? await decodeImage(item.source.path) : item.source.image;
  return preprocessImage(image, model.preprocess);
}

function asError(item: ClassificationItem, error: unknown): ItemError {
  return { item: item.id, reason: error instanceof Error ? error.message : String(error) };
}
