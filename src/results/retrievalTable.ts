import { percent } from '../util/format.js';
import { textTable } from '../util/textTable.js';
import type { RetrievalResults } from './retrievalSchema.js';

/** One row per prompt set: image and text retrieval recall@k, as percentages. */
export function formatRetrievalTable(results: RetrievalResults): string {
  const ks = results.run.ks;
  const header = ['prompt file', ...ks.map((k) => `image R@${k}`), ...ks.map((k) => `text R@${k}`)];
  const rows = results.promptSets.map((set) => [
    set.name,
    ...ks.map((k) => percent(set.metrics[`image_retrieval_recall@${k}`])),
    ...ks.map((k) => percent(set.metrics[`text_retrieval_recall@${k}`])),
  ]);
  return textTable(header, rows, new Set([0])).join('\n');
}
