import type { TopLevelSpec } from 'vega-lite';
import { METRIC_KEYS } from './data.js';
import type { RetrievalCurve } from './retrievalData.js';
import { METRIC_LABELS, type ConfusionView, type ReportModel, type TemplateSetView, type TrendPoint } from './types.js';

/** Tableau 10: prompt files keep one colour across every chart and the gallery's legend. */
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

/** Cells carry their numbers as text up to this many classes; beyond, colour alone. */
const CONFUSION_TEXT_CLASSES = 12;

export const CONFIG = {
  // Static SVG cannot use ARIA per mark; dropping it halves the markup. Each figure has its own label.
  aria: false,
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 600, labelLimit: 220 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
} as const;

export function colourOf(setIndex: number): string {
  return PALETTE[setIndex % PALETTE.length]!;
}

function setColour(sets: readonly string[]): { scale: { domain: string[]; range: string[] } } {
  return { scale: { domain: [...sets], range: sets.map((_, i) => colourOf(i)) } };
}

/** acc1 / acc5 / mean per-class recall, prompt files side by side; whiskers where the extras give intervals. */
export function metricsChart(model: ReportModel): TopLevelSpec {
  const sets = model.promptSets.map((s) => s.name);
  const values = model.metrics.map((m) => ({ ...m, metricLabel: METRIC_LABELS[m.metric], lo: m.interval?.lo, hi: m.interval?.hi }));
  const x = {
    field: 'metricLabel',
    type: 'nominal',
    sort: METRIC_KEYS.map((k) => METRIC_LABELS[k]),
    title: null,
    axis: { labelAngle: 0 },
  } as const;
  const xOffset = { field: 'promptSet', type: 'nominal', sort: sets } as const;
  const y = { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] }, axis: { format: '.0%' } } as const;
  const layers: object[] = [
    {
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        color: {
          field: 'promptSet',
          type: 'nominal',
          title: 'prompt file',
          sort: sets,
          legend: { orient: 'top', direction: 'horizontal' },
          ...setColour(sets),
        },
      },
    },
    { mark: { type: 'text', dy: -4, fontSize: 11, baseline: 'bottom' }, encoding: { text: { field: 'value', format: '.1%' } } },
  ];
  if (values.some((v) => v.lo !== undefined)) {
    layers.push({
      transform: [{ filter: 'isValid(datum.lo)' }],
      mark: { type: 'rule', strokeWidth: 1.5 },
      encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  }
  return {
    config: CONFIG,
    // With xOffset the step is per bar (vega-lite applies it to the offset band).
    width: { step: 40 },
    height: 240,
    data: { values },
    encoding: { x, xOffset, y },
    layer: layers,
  } as TopLevelSpec;
}

/**
 * One row per multi-template prompt file: a dot per template scored alone, the ensemble as a thick
 * tick in the file's colour, the templates' median as a thin grey one. `allSets`: every prompt
 * file's name, so each keeps the colour it has in the other charts.
 */
export function templatesChart(sets: readonly TemplateSetView[], allSets: readonly string[]): TopLevelSpec {
  const rows = sets.map((s) => s.promptSet);
  // Each template gets its own height in the row (by its place in the file), so equal scores do not hide one another.
  const dots = sets.flatMap((s) =>
    s.templates.map((t, i) => ({ promptSet: s.promptSet, acc1: t.metrics.acc1, spread: (i + 0.5) / s.templates.length })),
  );
  const tick = (name: string, acc1: (s: TemplateSetView) => number, mark: object, encoding: object = {}): object => ({
    name,
    data: { values: sets.map((s) => ({ promptSet: s.promptSet, acc1: acc1(s) })) },
    mark: { type: 'tick', ...mark },
    encoding,
  });
  return {
    config: CONFIG,
    width: 520,
    height: { step: 40 },
    encoding: {
      y: { field: 'promptSet', type: 'nominal', sort: rows, title: null, scale: { type: 'band', paddingInner: 0.25, paddingOuter: 0.1 } },
      // Templates often differ by tenths of a point: the axis zooms to them instead of starting at 0.
      x: { field: 'acc1', type: 'quantitative', title: 'acc1', scale: { zero: false, nice: true, padding: 10 }, axis: { format: '.1%' } },
      color: { field: 'promptSet', type: 'nominal', legend: null, ...setColour(allSets) },
    },
    layer: [
      {
        name: 'template_dots',
        data: { values: dots },
        mark: { type: 'circle', size: 40, opacity: 0.75 },
        encoding: { yOffset: { field: 'spread', type: 'quantitative', scale: { domain: [0, 1], range: [4, 28] } } },
      },
      tick('template_median', (s) => s.medianAcc1, { thickness: 1, size: 22 }, { color: { value: '#555' } }),
      tick('ensemble', (s) => s.ensemble.acc1, { thickness: 3, size: 34 }),
    ],
  } as TopLevelSpec;
}

/** Rows: true class, columns: predicted; colour is the share of the row, so rare classes still show. */
export function confusionChart(view: ConfusionView): TopLevelSpec {
  const values = view.matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({ truth: view.labels[t]!, predicted: view.labels[p]!, count, share: total === 0 ? 0 : count / total }));
  });
  const step = view.labels.length <= CONFUSION_TEXT_CLASSES ? 30 : 20;
  const layers: object[] = [
    {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        color: {
          field: 'share',
          type: 'quantitative',
          title: 'share of row',
          scale: { domain: [0, 1], scheme: 'oranges' },
          legend: { format: '.0%', gradientLength: 120 },
        },
      },
    },
  ];
  // The diagonal (correct predictions) outlined, so the eye finds it at once.
  layers.push({
    transform: [{ filter: 'datum.truth === datum.predicted' }],
    mark: { type: 'rect', fill: null, stroke: '#333', strokeWidth: 1 },
  });
  if (view.labels.length <= CONFUSION_TEXT_CLASSES) {
    layers.push({
      transform: [{ filter: 'datum.count > 0' }],
      mark: { type: 'text', fontSize: 10 },
      encoding: { text: { field: 'count' }, color: { condition: { test: 'datum.share > 0.55', value: 'white' }, value: '#222' } },
    });
  }
  return {
    config: CONFIG,
    width: { step },
    height: { step },
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: [...view.labels],
        title: 'predicted class',
        axis: { orient: 'top', labelAngle: -40 },
      },
      y: { field: 'truth', type: 'nominal', sort: [...view.labels], title: 'true class' },
    },
    layer: layers,
  } as TopLevelSpec;
}

/** The retrieval page's recall@k: one line per prompt file and direction. */
export function retrievalChart(curves: readonly RetrievalCurve[]): TopLevelSpec {
  const values = curves.flatMap((c) => c.points.map((p) => ({ ...p, curve: `${c.name} (${c.direction} retrieval)` })));
  return {
    config: CONFIG,
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'k', type: 'ordinal', title: 'k', axis: { labelAngle: 0 } },
      y: { field: 'recall', type: 'quantitative', title: 'recall@k', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: { field: 'curve', type: 'nominal', title: null },
    },
  };
}

export function trendChart(points: readonly TrendPoint[], sets: readonly string[]): TopLevelSpec {
  const values = points.map((p) => ({ ...p, metricLabel: METRIC_LABELS[p.metric] }));
  const allSets = [...new Set([...sets, ...points.map((p) => p.promptSet)])];
  return {
    config: CONFIG,
    width: 520,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'createdAt', type: 'temporal', title: 'run date' },
      y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: { field: 'promptSet', type: 'nominal', title: 'prompt file', sort: allSets, ...setColour(allSets) },
      strokeDash: { field: 'metricLabel', type: 'nominal', title: 'metric' },
    },
  };
}
