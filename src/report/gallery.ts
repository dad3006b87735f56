import type { ItemResult, Results } from '../results/schema.js';
import { isCorrect } from './data.js';
import type { ReportModel } from './types.js';

export const DEFAULT_GALLERY_LIMIT = 200;

/** [class index, probability] — indices instead of names keep 200 items × N prompt files small. */
type Bar = readonly [number, number];

export interface GalleryItem {
  readonly id: string;
  readonly label: number;
  /** data: URI, or null when the image is gone or unreadable. */
  readonly thumb: string | null;
  /** preds[prompt file index] = top-5 bars. */
  readonly preds: readonly (readonly Bar[])[];
}

/** What the page's script reads: the gallery and the disagreement examples it draws from it. */
export interface GalleryPayload {
  readonly sets: readonly string[];
  readonly classes: readonly string[];
  readonly evaluated: number;
  readonly limit: number;
  readonly items: readonly GalleryItem[];
  readonly pairs: readonly {
    readonly a: number;
    readonly b: number;
    readonly aOnly: readonly string[];
    readonly bOnly: readonly string[];
  }[];
}

/**
 * Picks at most `limit` items, most telling first: the disagreement examples (so that section has
 * pictures), then images some prompt file gets wrong, then the rest; within each tier, classes
 * take turns so one class cannot fill the gallery. An example left out shows as its id alone.
 */
export function selectGallery(results: Results, model: ReportModel, limit: number): ItemResult[] {
  const byId = new Map(results.items.map((item) => [item.id, item]));
  // With many prompt files the pairs' examples alone could fill the gallery; they get half of it at most.
  const examples = model.disagreements
    .flatMap((d) => [...d.aOnlyExamples, ...d.bOnlyExamples])
    .map((id) => byId.get(id)!)
    .slice(0, Math.ceil(limit / 2));
  const sets = results.promptSets.map((s) => s.name);
  const wrong = results.items.filter((item) => sets.some((s) => !isCorrect(item, s)));
  const chosen = new Set<ItemResult>();
  for (const item of [...examples, ...roundRobin(wrong), ...roundRobin(results.items)]) {
    if (chosen.size >= limit) break;
    chosen.add(item);
  }
  return [...chosen];
}

function roundRobin(items: readonly ItemResult[]): ItemResult[] {
  const groups = new Map<string, ItemResult[]>();
  for (const item of items) {
    const group = groups.get(item.label);
    if (group === undefined) groups.set(item.label, [item]);
    else group.push(item);
  }
  const queues = [...groups.values()];
  const out: ItemResult[] = [];
  for (let round = 0; out.length < items.length; round++) {
    for (const queue of queues) if (round < queue.length) out.push(queue[round]!);
  }
  return out;
}

export function galleryPayload(
  results: Results,
  model: ReportModel,
  items: readonly ItemResult[],
  thumbs: ReadonlyMap<string, string>,
  limit: number,
): GalleryPayload {
  const classes = results.run.dataset.classNames;
  const index = new Map(classes.map((name, i) => [name, i]));
  const sets = results.promptSets.map((s) => s.name);
  const names = new Map(sets.map((s, i) => [s, i]));
  return {
    sets,
    classes,
    evaluated: results.items.length,
    limit,
    items: items.map((item) => ({
      id: item.id,
      label: index.get(item.label) ?? -1,
      thumb: thumbs.get(item.id) ?? null,
      preds: sets.map((s) => (item.predictions[s] ?? []).map((p): Bar => [index.get(p.label) ?? -1, round(p.prob)])),
    })),
    pairs: model.disagreements.map((d) => ({ a: names.get(d.a)!, b: names.get(d.b)!, aOnly: d.aOnlyExamples, bOnly: d.bOnlyExamples })),
  };
}

/** Four decimals: more than a bar or a percentage with one decimal can show. */
function round(p: number): number {
  return Math.round(p * 1e4) / 1e4;
}
