import type { LabelRow } from './score.js';

/** An image shown on the page: its index in the collection (for its thumbnail), id and top-1 probability. */
export interface Shown {
  readonly index: number;
  readonly image: string;
  readonly prob: number;
  readonly uncertain: boolean;
}

export interface LabelSummary {
  readonly label: string;
  readonly count: number;
  readonly uncertain: number;
  /** Highest top-1 probability first. */
  readonly confident: readonly Shown[];
  /** Lowest top-1 probability first: the ones to look at. */
  readonly review: readonly Shown[];
}

/**
 * Per label, its count and the few most and least confident images, kept as bounded sorted lists
 * while rows stream past, so the page costs the same memory for a thousand images as for millions.
 */
export class ReviewTally {
  private readonly byLabel = new Map<string, { count: number; uncertain: number; confident: Shown[]; review: Shown[] }>();

  constructor(
    private readonly classNames: readonly string[],
    private readonly perList: number,
  ) {}

  add(row: LabelRow, index: number): void {
    const top = row.top[0]!;
    let entry = this.byLabel.get(top.label);
    if (entry === undefined) this.byLabel.set(top.label, (entry = { count: 0, uncertain: 0, confident: [], review: [] }));
    entry.count++;
    if (row.uncertain) entry.uncertain++;
    const shown = { index, image: row.image, prob: top.prob, uncertain: row.uncertain };
    // Ties go to the earlier image, so the page is the same on every run.
    insertBounded(entry.confident, shown, (a, b) => b.prob - a.prob || a.index - b.index, this.perList);
    insertBounded(entry.review, shown, (a, b) => a.prob - b.prob || a.index - b.index, this.perList);
  }

  /** Labels in class order; a class no image got is listed with a count of 0. */
  summaries(): LabelSummary[] {
    return this.classNames.map((label) => {
      const e = this.byLabel.get(label);
      return { label, count: e?.count ?? 0, uncertain: e?.uncertain ?? 0, confident: e?.confident ?? [], review: e?.review ?? [] };
    });
  }
}

function insertBounded(list: Shown[], item: Shown, order: (a: Shown, b: Shown) => number, max: number): void {
  if (max <= 0) return;
  if (list.length === max && order(item, list[max - 1]!) >= 0) return;
  let at = list.length;
  while (at > 0 && order(item, list[at - 1]!) < 0) at--;
  list.splice(at, 0, item);
  if (list.length > max) list.pop();
}
