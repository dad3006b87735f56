import { sha256 } from '../util/hash.js';
import { InputError, type ClassificationDataset, type ClassificationItem, type RetrievalDataset, type SubsetOptions } from './types.js';

/**
 * Picks a subset that depends only on the seed and the item ids: items are ranked by
 * sha256(`${seed}:${id}`), so any machine and any listing order pick the same items, and a
 * smaller limit picks a subset of a larger one. Kept items stay in the dataset's order.
 */
export function selectSubset(dataset: ClassificationDataset, options: SubsetOptions): ClassificationDataset {
  const { limit, perClass, seed = 0 } = options;
  if (limit === undefined && perClass === undefined) return dataset;
  checkCount(limit, 'limit');
  checkCount(perClass, 'perClass');
  if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be a whole number (got ${seed})`);
  const ranked = rankBySeed(dataset.items, seed);
  const kept = keepFirst(ranked, dataset.items, perClass ?? Infinity, limit ?? Infinity);
  kept.sort((a, b) => a - b);
  return { ...dataset, items: kept.map((i) => dataset.items[i]!) };
}

function checkCount(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
    throw new InputError(`${name} must be a positive whole number (got ${value})`);
  }
}

/** Item indices by hash; equal ids (duplicate rows) fall back to listing order. */
function rankBySeed(items: readonly { readonly id: string }[], seed: number): number[] {
  const keys = items.map((item) => sha256(`${seed}:${item.id}`));
  const order = items.map((_, i) => i);
  return order.sort((a, b) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  });
}

function keepFirst(
  ranked: readonly number[],
  items: readonly ClassificationItem[],
  perClass: number,
  limit: number,
): number[] {
  const counts = new Map<number, number>();
  const kept: number[] = [];
  for (const i of ranked) {
    if (kept.length >= limit) break;
    const label = items[i]!.label;
    const n = counts.get(label) ?? 0;
    if (n >= perClass) continue;
    counts.set(label, n + 1);
    kept.push(i);
  }
  return kept;
}

/**
 * Whole images with all their captions: `limit` images, ranked by sha256(`${seed}:${id}`) like
 * classification subsets; captions keep their order and are re-pointed at the kept images.
 */
export function selectRetrievalSubset(dataset: RetrievalDataset, options: { limit?: number; seed?: number }): RetrievalDataset {
  const { limit, seed = 0 } = options;
  if (limit === undefined) return dataset;
  checkCount(limit, 'limit');
  const ranked = rankBySeed(dataset.images, seed);
  const kept = ranked.slice(0, limit).sort((a, b) => a - b);
  const newIndex = new Map(kept.map((old, i) => [old, i]));
  return {
    ...dataset,
    images: kept.map((i) => dataset.images[i]!),
    captions: dataset.captions.flatMap((c) => (newIndex.has(c.image) ? [{ text: c.text, image: newIndex.get(c.image)! }] : [])),
  };
}
