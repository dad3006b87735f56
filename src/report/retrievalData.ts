/**
 * The retrieval report's view-model: recall@k with its intervals, the curves and the headline,
 * computed once from results.json, so the chart, HTML, summary.md and metrics.csv read the same
 * numbers. The examples are drawn from results.json as they are.
 */

import type { RetrievalPromptSetResult, RetrievalResults } from '../results/retrievalSchema.js';
import { wilsonInterval, type Interval } from '../stats/index.js';
import { pct } from './data.js';
import { runHeader, type RunHeader } from './runHeader.js';

/** Queries shown each way per prompt file (results.json keeps the top 5 of the first ten). */
export const RETRIEVAL_EXAMPLES = 5;

/** image: a caption's query finds its image; text: an image's query finds its captions. */
export type Direction = 'image' | 'text';
export const DIRECTIONS: readonly Direction[] = ['image', 'text'];

export interface RecallValue {
  readonly promptSet: string;
  readonly direction: Direction;
  readonly k: number;
  readonly value: number;
  /** Wilson 95% interval from the per-query ranks. */
  readonly interval: Interval;
  /** Queries: captions for image retrieval, images for text retrieval. */
  readonly support: number;
}

/** Recall@k of one prompt file one way, as the chart draws it. */
export interface RetrievalCurve {
  readonly name: string;
  readonly direction: Direction;
  readonly points: readonly { readonly k: number; readonly recall: number }[];
}

export interface RetrievalModel {
  readonly results: RetrievalResults;
  readonly header: RunHeader;
  readonly recall: readonly RecallValue[];
  readonly curves: readonly RetrievalCurve[];
  readonly headline: string;
}

export function buildRetrievalModel(results: RetrievalResults): RetrievalModel {
  const recall = recallValues(results);
  return { results, header: runHeader(results), recall, curves: retrievalCurves(results, recall), headline: retrievalHeadline(results) };
}

export function metricName(direction: Direction, k: number): string {
  return `${direction}_retrieval_recall@${k}`;
}

/** recall@k per prompt file, direction and k, with its interval; the recorded metric is the value. */
function recallValues(results: RetrievalResults): RecallValue[] {
  return results.promptSets.flatMap((set) =>
    DIRECTIONS.flatMap((direction) => {
      const ranks = direction === 'image' ? set.ranks.imageRankPerCaption : set.ranks.captionRankPerImage;
      return results.run.ks.flatMap((k): RecallValue[] => {
        const value = set.metrics[metricName(direction, k)];
        if (typeof value !== 'number') return [];
        const hits = ranks.filter((r) => r < k).length;
        return [{ promptSet: set.name, direction, k, value, interval: wilsonInterval(hits, ranks.length), support: ranks.length }];
      });
    }),
  );
}

function retrievalCurves(results: RetrievalResults, values: readonly RecallValue[]): RetrievalCurve[] {
  return results.promptSets.flatMap((set) =>
    DIRECTIONS.map((direction) => ({
      name: set.name,
      direction,
      points: values.filter((v) => v.promptSet === set.name && v.direction === direction).map((v) => ({ k: v.k, recall: v.value })),
    })).filter((c) => c.points.length > 0),
  );
}

/** One sentence: the best prompt file each way at the smallest k. */
function retrievalHeadline(results: RetrievalResults): string {
  const k = results.run.ks[0];
  const sets = results.promptSets;
  if (k === undefined || sets.length === 0) return 'No prompt files were evaluated.';
  const best = (d: Direction): RetrievalPromptSetResult =>
    [...sets].sort((a, b) => (b.metrics[metricName(d, k)] ?? 0) - (a.metrics[metricName(d, k)] ?? 0))[0]!;
  const r = (s: RetrievalPromptSetResult, d: Direction): string => pct(s.metrics[metricName(d, k)] ?? null);
  if (sets.length === 1) {
    const s = sets[0]!;
    return `${s.name}: recall@${k} ${r(s, 'image')} finding the image of a caption, ${r(s, 'text')} finding a caption of an image.`;
  }
  const [bi, bt] = [best('image'), best('text')];
  return `Best recall@${k}: ${bi.name} for caption → image (${r(bi, 'image')}), ${bt.name} for image → caption (${r(bt, 'text')}).`;
}

/** Ids of every image the examples show: each caption query's top 5 and the image queries. */
export function exampleImageIds(results: RetrievalResults): string[] {
  const indices = new Set<number>();
  for (const set of results.promptSets) {
    set.examples.captionToImages.slice(0, RETRIEVAL_EXAMPLES).forEach((q) => q.top.forEach((i) => indices.add(i)));
    set.examples.imageToCaptions.slice(0, RETRIEVAL_EXAMPLES).forEach((q) => indices.add(q.image));
  }
  return [...indices].flatMap((i) => (results.images[i] === undefined ? [] : [results.images[i].id]));
}
