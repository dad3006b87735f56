import { inProcessRenderer, type ChartRenderer } from './chartRenderer.js';
import { confusionChart, metricsChart, templatesChart, trendChart } from './charts.js';
import { heatmapChart, heatmapOrders, type HeatmapOrder } from './heatmap.js';
import type { ReportModel } from './types.js';

/** Every chart of the page as checked SVG markup; variants are what the page's selects switch between. */
export interface RenderedCharts {
  readonly metrics: string;
  /** Absent without a prompt file of several templates scored alone. */
  readonly templates?: string;
  readonly heatmap: readonly { readonly order: HeatmapOrder; readonly svg: string }[];
  readonly confusion: readonly { readonly promptSet: string; readonly svg: string }[];
  /** Absent without at least two runs in the history to draw. */
  readonly trend?: string;
}

/** `renderer`: where vega runs; a run passes its early-started worker, anyone else renders in-process. */
export async function renderCharts(model: ReportModel, renderer: ChartRenderer = inProcessRenderer): Promise<RenderedCharts> {
  const orders = heatmapOrders(model);
  const names = model.promptSets.map((s) => s.name);
  const [metrics, templates, heatmap, confusion, trend] = await Promise.all([
    renderer.render(metricsChart(model), 'metrics'),
    model.templateSets.length === 0 ? undefined : renderer.render(templatesChart(model.templateSets, names), 'templates'),
    Promise.all(orders.map(async (order) => ({ order, svg: await renderer.render(heatmapChart(model, order), `heatmap-${order.key}`) }))),
    Promise.all(
      model.confusion.map(async (view, i) => ({
        promptSet: view.promptSet,
        svg: await renderer.render(confusionChart(view), `confusion-${i}`),
      })),
    ),
    hasTrend(model) ? renderer.render(trendChart(model.history, names), 'trend') : undefined,
  ]);
  return { metrics, heatmap, confusion, ...(templates === undefined ? {} : { templates }), ...(trend === undefined ? {} : { trend }) };
}

/** A trend needs at least two runs to be a line. */
function hasTrend(model: ReportModel): boolean {
  return new Set(model.history.map((p) => p.runId)).size >= 2;
}
