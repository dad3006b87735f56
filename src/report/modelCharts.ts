import type { TopLevelSpec } from 'vega-lite';
import { inProcessRenderer, type ChartRenderer } from './chartRenderer.js';
import { CONFIG, colourOf } from './charts.js';
import type { ModelsView, RecallDiff } from './modelsData.js';

/** Beyond this ratio of fastest to slowest model a linear axis squeezes the slow ones together. */
const LOG_SPEED_RATIO = 10;
/** Blue where the model does better than the first one, red where worse, as in the per-class heatmap. */
const GAIN = '#3a78b5';
const LOSS = '#d6604d';

/** acc1 of every (model, prompt file) pair, each cell with its Wilson 95% interval as text. */
export function modelGridChart(view: ModelsView): TopLevelSpec {
  const values = view.models.flatMap((m) =>
    [...m.scores.values()].map((s) => ({ model: m.key, promptSet: s.promptSet, acc1: s.metrics.acc1, text: s.text })),
  );
  const longest = Math.max(...view.promptSets.map((s) => s.length), 16);
  const step = Math.min(220, longest * 7 + 16);
  return {
    config: CONFIG,
    width: { step },
    height: { step: 30 },
    data: { values },
    encoding: {
      x: { field: 'promptSet', type: 'nominal', sort: [...view.promptSets], title: 'prompt file', axis: { orient: 'top', labelAngle: 0 } },
      y: { field: 'model', type: 'nominal', sort: view.models.map((m) => m.key), title: 'model' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'acc1',
            type: 'quantitative',
            title: 'acc1',
            scale: { domain: [0, 1], scheme: 'blues' },
            legend: { format: '.0%' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: { text: { field: 'text' }, color: { condition: { test: 'datum.acc1 > 0.6', value: 'white' }, value: '#222' } },
      },
    ],
  };
}

/** One point per model whose speed was measured: images per second against acc1 on `promptSet`. */
export function speedChart(view: ModelsView, promptSet: string): TopLevelSpec {
  const values = view.models.flatMap((m) => {
    const score = m.scores.get(promptSet);
    const ips = m.cost.imagesPerSecond;
    return score === undefined || ips === null ? [] : [{ model: m.key, imagesPerSecond: ips, acc1: score.metrics.acc1 }];
  });
  const speeds = values.map((v) => v.imagesPerSecond).filter((v) => v > 0);
  const log = speeds.length > 1 && Math.max(...speeds) / Math.min(...speeds) >= LOG_SPEED_RATIO;
  const keys = view.models.map((m) => m.key);
  return {
    config: CONFIG,
    width: 480,
    height: 260,
    data: { values },
    encoding: {
      x: {
        field: 'imagesPerSecond',
        type: 'quantitative',
        title: `images per second${log ? ' (log scale)' : ''}`,
        scale: log ? { type: 'log', nice: true } : { zero: false, nice: true, padding: 16 },
      },
      y: {
        field: 'acc1',
        type: 'quantitative',
        title: `acc1 on ${promptSet}`,
        scale: { zero: false, nice: true, padding: 16 },
        axis: { format: '.1%' },
      },
      color: { field: 'model', type: 'nominal', legend: null, scale: { domain: keys, range: keys.map((_, i) => colourOf(i)) } },
    },
    layer: [
      { mark: { type: 'point', filled: true, size: 90, opacity: 0.9 } },
      { mark: { type: 'text', align: 'left', dx: 8, fontSize: 11 }, encoding: { text: { field: 'model' }, color: { value: '#222' } } },
    ],
  };
}

/**
 * A diverging bar per class: recall of `diff.model` minus that of the first model, in points.
 * Untitled: vega writes a title into an aria-label whatever the config says, and a model key there
 * (`<img onerror=…>`) would trip the page's check for active SVG; the select names the chart.
 */
export function recallDiffChart(diff: RecallDiff): TopLevelSpec {
  const values = diff.rows.map((r) => ({ label: r.label, points: r.points, text: signedText(r.points) }));
  const order = [...diff.rows].sort((a, b) => b.points - a.points).map((r) => r.label);
  const bound = Math.max(5, Math.ceil(Math.max(0, ...diff.rows.map((r) => Math.abs(r.points))) / 5) * 5);
  const y = { field: 'label', type: 'nominal', sort: order, title: null } as const;
  const x = { field: 'points', type: 'quantitative', title: 'change in recall (points)', scale: { domain: [-bound, bound] } } as const;
  // Numbers beside the bar's end: outside it on either side of zero.
  const label = (test: string, align: 'left' | 'right', dx: number): object => ({
    transform: [{ filter: test }],
    mark: { type: 'text', fontSize: 10, align, dx },
    encoding: { x, y, text: { field: 'text' }, color: { value: '#444' } },
  });
  return {
    config: CONFIG,
    width: 420,
    height: { step: 18 },
    data: { values },
    layer: [
      { mark: { type: 'bar' }, encoding: { x, y, color: { condition: { test: 'datum.points >= 0', value: GAIN }, value: LOSS } } },
      { mark: { type: 'rule', color: '#555' }, encoding: { x: { datum: 0 } } },
      label('datum.points >= 0', 'left', 3),
      label('datum.points < 0', 'right', -3),
    ],
  } as TopLevelSpec;
}

function signedText(points: number): string {
  const text = Math.abs(points).toFixed(1);
  return Number(text) === 0 ? '0.0' : `${points > 0 ? '+' : '−'}${text}`;
}

export interface RenderedModelCharts {
  readonly grid: string;
  /** One per prompt file with at least one model whose speed was measured. */
  readonly speed: readonly { readonly promptSet: string; readonly svg: string }[];
  /** In `ModelsView.diffs` order. */
  readonly diffs: readonly string[];
}

export async function renderModelCharts(view: ModelsView, renderer: ChartRenderer = inProcessRenderer): Promise<RenderedModelCharts> {
  const timed = view.promptSets.filter((s) => view.models.some((m) => m.cost.imagesPerSecond !== null && m.scores.has(s)));
  const [grid, speed, diffs] = await Promise.all([
    renderer.render(modelGridChart(view), 'models-grid'),
    Promise.all(
      timed.map(async (promptSet, i) => ({ promptSet, svg: await renderer.render(speedChart(view, promptSet), `models-speed-${i}`) })),
    ),
    Promise.all(view.diffs.map((d, i) => renderer.render(recallDiffChart(d), `models-diff-${i}`))),
  ]);
  return { grid, speed, diffs };
}
