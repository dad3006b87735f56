import { confusionChart, metricsChart, retrievalChart, trendChart } from './charts.js';
import { heatmapChart, heatmapOrders, type HeatmapOrder } from './heatmap.js';
import { renderSvg } from './svg.js';
import type { ReportModel } from './types.js';

/** Every chart of the page as checked SVG markup; variants are what the page's selects switch between. */
export interface RenderedCharts {
  readonly metrics: string;
  readonly heatmap: readonly { readonly order: HeatmapOrder; readonly svg: string }[];
  readonly confusion: readonly { readonly promptSet: string; readonly svg: string }[];
  /** Absent when the run has no retrieval results / no earlier runs. */
  readonly retrieval?: string;
  readonly trend?: string;
}

export async function renderCharts(model: ReportModel): Promise<RenderedCharts> {
  const orders = heatmapOrders(model);
  const [metrics, heatmap, confusion, retrieval, trend] = await Promise.all([
    renderSvg(metricsChart(model)),
    Promise.all(orders.map(async (order) => ({ order, svg: await renderSvg(heatmapChart(model, order)) }))),
    Promise.all(model.confusion.map(async (view) => ({ promptSet: view.promptSet, svg: await renderSvg(confusionChart(view)) }))),
    model.retrieval.length > 0 ? renderSvg(retrievalChart(model.retrieval)) : undefined,
    hasTrend(model) ? renderSvg(trendChart(model.history, model.promptSets.map((s) => s.name))) : undefined,
  ]);
  return { metrics, heatmap, confusion, ...(retrieval === undefined ? {} : { retrieval }), ...(trend === undefined ? {} : { trend }) };
}

/** A trend needs at least two runs to be a line. */
function hasTrend(model: ReportModel): boolean {
  return new Set(model.history.map((p) => p.runId)).size >= 2;
}
