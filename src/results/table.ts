import { formatP, percent, signedPoints } from '../util/format.js';
import type { PromptSetContrast } from '../stats/index.js';
import { textTable } from '../util/textTable.js';
import type { RetrievalResults } from './retrievalSchema.js';
import type { Results, RunTimings } from './schema.js';

/**
 * The compact stdout table: one row per prompt file, metrics as percentages, then the paired
 * contrasts of the prompt files (computed by the caller: printing runs no statistics).
 */
export function formatResultsTable(results: Results, contrasts: readonly PromptSetContrast[]): string {
  const header = ['prompt file', 'templates', 'acc1', 'acc5', 'mean per-class recall'];
  const rows = results.promptSets.map((set) => [
    set.name,
    String(set.templates.length),
    percent(set.metrics.acc1),
    percent(set.metrics.acc5),
    percent(set.metrics.mean_per_class_recall),
  ]);
  return [...textTable(header, rows, new Set([0])), ...formatContrasts(results, contrasts)].join('\n');
}

/** Whether the best prompt file really beats each other one on these images (paired tests). */
function formatContrasts(results: Results, contrasts: readonly PromptSetContrast[]): string[] {
  const best = contrasts[0]?.against;
  if (best === undefined) return [];
  const header = ['vs best', 'Δacc1 pts', '95% CI (pts)', 'McNemar p', 'lost/gained', 'difference'];
  const rows = contrasts.map((c) => [c.promptSet, ...pairedCells(c)]);
  return [
    '',
    `best prompt file: ${best}; paired on the same ${results.items.length} images (McNemar exact test, paired bootstrap 95% CI):`,
    ...textTable(header, rows, new Set([0, 2, 5])),
  ];
}

/** Δacc1, its 95% interval, McNemar p, lost/gained and the verdict: the columns of every paired comparison printed. */
export function pairedCells(c: Omit<PromptSetContrast, 'promptSet' | 'against'>): string[] {
  return [
    signedPoints(c.delta),
    `[${signedPoints(c.interval.lo)}, ${signedPoints(c.interval.hi)}]`,
    formatP(c.pValue),
    `${c.lost}/${c.gained}`,
    c.significant ? 'significant' : 'within noise',
  ];
}

/**
 * One stdout line per multi-template prompt file: its templates scored alone (results.json
 * `perTemplate`), best, median and worst, and what the ensemble gains over the median. Ranked by
 * acc1, or by image recall@k at the smallest k for retrieval. Empty when no file has several templates.
 */
export function formatTemplateSummaries(results: Results | RetrievalResults): string {
  const k = results.task === 'retrieval' ? results.run.ks[0] : undefined;
  const metric = k === undefined ? 'acc1' : `image R@${k}`;
  const value = (metrics: Readonly<Record<string, number | null>>): number =>
    (k === undefined ? metrics['acc1'] : metrics[`image_retrieval_recall@${k}`]) ?? 0;
  const lines = results.promptSets.flatMap((set) => {
    const alone = set.perTemplate ?? [];
    if (alone.length < 2) return [];
    const ranked = alone.map((t) => ({ ...t, value: value(t.metrics) }));
    // Sorted best first; ties keep file order, so the earliest line is named.
    const sorted = [...ranked].sort((a, b) => b.value - a.value);
    const best = sorted[0]!;
    const worst = [...ranked].sort((a, b) => a.value - b.value)[0]!;
    const mid = sorted.length / 2;
    const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]!.value : (sorted[mid - 1]!.value + sorted[mid]!.value) / 2;
    const ensemble = value(set.metrics);
    const named = (t: { line: number; template: string; value: number }): string =>
      `${pct(t.value)} (line ${t.line}: ${JSON.stringify(t.template)})`;
    const file = set.file !== null && set.file.endsWith('.hbs') ? `${set.name}.hbs` : set.name;
    return [
      `${file}: ${alone.length} templates alone (${metric}) — best ${named(best)}, median ${pct(median)}, ` +
        `worst ${named(worst)}; ensemble ${pct(ensemble)}, ${points(ensemble - median)} against the median`,
    ];
  });
  return lines.join('\n');
}

const pct = (v: number): string => percent(v, { digits: 1 });
const points = (d: number): string => `${signedPoints(d, 1)} pts`;

/** One stdout line: where a run's time went, stage by stage (results.json `run.timings`). */
export function formatTimings(t: RunTimings): string {
  const rate =
    t.imagesPerSecond === null ? '' : ` (${t.imagesPerSecond >= 100 ? Math.round(t.imagesPerSecond) : t.imagesPerSecond.toFixed(1)} img/s)`;
  const stages = [
    `start-up ${seconds(t.startup)}`,
    `dataset ${seconds(t.dataset)}`,
    `model load ${seconds(t.modelLoad)}`,
    `texts ${seconds(t.textEmbedding)}`,
    `images ${seconds(t.imageEmbedding)}${rate}`,
    `metrics ${seconds(t.metrics)}`,
    `report ${seconds(t.report)}`,
    `total ${seconds(t.total)}`,
  ];
  return `timings: ${stages.join(' · ')}`;
}

/** Two decimals under 10 s, where start-up and warm stages live; one above. */
function seconds(s: number): string {
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)}s`;
}
