import { formatP, percent, signedPoints } from '../util/format.js';
import type { PromptSetContrast } from '../stats/index.js';
import { textTable } from '../util/textTable.js';
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
  const rows = contrasts.map((c) => [
    c.promptSet,
    signedPoints(c.delta),
    `[${signedPoints(c.interval.lo)}, ${signedPoints(c.interval.hi)}]`,
    formatP(c.pValue),
    `${c.lost}/${c.gained}`,
    c.significant ? 'significant' : 'within noise',
  ]);
  return [
    '',
    `best prompt file: ${best}; paired on the same ${results.items.length} images (McNemar exact test, paired bootstrap 95% CI):`,
    ...textTable(header, rows, new Set([0, 2, 5])),
  ];
}

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
