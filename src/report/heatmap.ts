import type { TopLevelSpec } from 'vega-lite';
import { CONFIG } from './charts.js';
import type { ClassRecall, ReportModel } from './types.js';

/** Beyond this many classes the heatmap keeps those whose recall differs most between prompt files. */
export const MAX_HEATMAP_CLASSES = 60;

export interface HeatmapOrder {
  readonly key: string;
  readonly label: string;
  readonly classes: readonly string[];
}

type Recall = (set: string, label: string) => number | null;

function recallLookup(rows: readonly ClassRecall[]): Recall {
  const map = new Map(rows.map((r) => [`${r.promptSet}\u0000${r.label}`, r.recall]));
  return (set, label) => map.get(`${set}\u0000${label}`) ?? null;
}

/** The n highest-scoring labels, ties in dataset order (a stable sort keeps it). */
function topBy(labels: readonly string[], score: (label: string) => number, n: number): string[] {
  return [...labels].sort((a, b) => score(b) - score(a)).slice(0, n);
}

/** Row orders the reader can switch between: spread first shows where wording matters most. */
export function heatmapOrders(model: ReportModel): HeatmapOrder[] {
  const recall = recallLookup(model.classRecall);
  const sets = model.promptSets.map((s) => s.name);
  const spread = (label: string): number => {
    const values = sets.map((s) => recall(s, label)).filter((v): v is number => v !== null);
    return values.length === 0 ? -1 : Math.max(...values) - Math.min(...values);
  };
  const shown =
    model.classNames.length <= MAX_HEATMAP_CLASSES ? [...model.classNames] : topBy(model.classNames, spread, MAX_HEATMAP_CLASSES);
  const weakest = (set: string): string[] => topBy(shown, (c) => -(recall(set, c) ?? 2), shown.length);
  return [
    ...(sets.length > 1
      ? [{ key: 'spread', label: 'largest difference between prompt files first', classes: topBy(shown, spread, shown.length) }]
      : []),
    { key: 'dataset', label: 'dataset order', classes: shown },
    ...sets.map((s, i) => ({ key: `set-${i}`, label: `weakest under ${s} first`, classes: weakest(s) })),
  ];
}

/**
 * Recall per class and prompt file, and beside it each prompt file's change against the first
 * one (blue: the template helps that class, red: it hurts), which a single colour scale hides.
 */
export function heatmapChart(model: ReportModel, order: HeatmapOrder): TopLevelSpec {
  const sets = model.promptSets.map((s) => s.name);
  const columns = { step: columnStep(sets) };
  const panels = [recallPanel(model, order, sets, columns)];
  if (sets.length > 1) panels.push(deltaPanel(model, order, sets, columns));
  return { config: CONFIG, hconcat: panels, spacing: 24, resolve: { scale: { color: 'independent' } } } as TopLevelSpec;
}

/**
 * Wide enough for the longest prompt file name (~7 px a character at 11 px), within bounds. vega
 * measures text in Node without a canvas at ~0.8 em a character, a third more than a sans-serif
 * really takes, so the label limit gets that slack or short names would be cut.
 */
function columnStep(sets: readonly string[]): number {
  const longest = Math.max(...sets.map((s) => s.length));
  return Math.max(60, Math.min(200, longest * 7 + 12));
}

const LABEL_SLACK = 1.3;

function rows(order: HeatmapOrder, labels: boolean): object {
  return { field: 'label', type: 'nominal', sort: [...order.classes], title: null, axis: labels ? {} : null };
}

function recallPanel(model: ReportModel, order: HeatmapOrder, sets: readonly string[], columns: { step: number }): object {
  const shown = new Set(order.classes);
  const values = model.classRecall
    .filter((r) => shown.has(r.label))
    .map((r) => ({ ...r, text: r.recall === null ? '–' : `${Math.round(r.recall * 100)}%` }));
  return cellPanel(values, order, true, {
    width: columns,
    x: {
      field: 'promptSet',
      type: 'nominal',
      sort: [...sets],
      title: 'recall',
      axis: { orient: 'top', labelAngle: 0, labelLimit: Math.round(columns.step * LABEL_SLACK) },
    },
    color: {
      field: 'recall',
      type: 'quantitative',
      title: 'recall',
      scale: { domain: [0, 1], scheme: 'blues' },
      legend: { format: '.0%', gradientLength: 120 },
    },
    darkText: 'datum.recall > 0.6',
    nullTest: 'datum.recall === null',
  });
}

function deltaPanel(model: ReportModel, order: HeatmapOrder, sets: readonly string[], columns: { step: number }): object {
  const recall = recallLookup(model.classRecall);
  const [base, ...others] = sets;
  const values = others.flatMap((set) =>
    order.classes.map((label) => {
      const a = recall(base!, label);
      const b = recall(set, label);
      const delta = a === null || b === null ? null : b - a;
      return { label, promptSet: set, delta, text: delta === null ? '–' : signed(Math.round(delta * 100)) };
    }),
  );
  const largest = Math.max(0.05, ...values.map((v) => Math.abs(v.delta ?? 0)));
  const bound = Math.ceil(largest * 20) / 20;
  return cellPanel(values, order, false, {
    width: columns,
    x: {
      field: 'promptSet',
      type: 'nominal',
      sort: others,
      title: `change vs ${base} (points)`,
      axis: { orient: 'top', labelAngle: 0, labelLimit: Math.round(columns.step * LABEL_SLACK) },
    },
    color: {
      field: 'delta',
      type: 'quantitative',
      title: 'change',
      scale: { domain: [-bound, bound], scheme: 'redblue' },
      legend: { format: '+.0%', gradientLength: 120 },
    },
    darkText: `abs(datum.delta) > ${bound * 0.6}`,
    nullTest: 'datum.delta === null',
  });
}

function signed(points: number): string {
  return points > 0 ? `+${points}` : points < 0 ? `−${-points}` : '0';
}

interface PanelEncoding {
  readonly width: object;
  readonly x: object;
  readonly color: object;
  /** When the cell is dark enough for white text. */
  readonly darkText: string;
  readonly nullTest: string;
}

function cellPanel(values: object[], order: HeatmapOrder, rowLabels: boolean, e: PanelEncoding): object {
  return {
    width: e.width,
    height: { step: 20 },
    data: { values },
    encoding: { x: e.x, y: rows(order, rowLabels) },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: { color: { condition: { test: e.nullTest, value: '#eee' }, ...e.color } },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: { text: { field: 'text' }, color: { condition: { test: e.darkText, value: 'white' }, value: '#222' } },
      },
    ],
  };
}
