import type { TopLevelSpec } from 'vega-lite';
import { inProcessRenderer, type ChartRenderer } from '../report/chartRenderer.js';
import { html, trusted } from '../report/html.js';
import type { IndexEval } from './eval.js';

/** recall@k against exact, over p95 latency, one point per ef_search. */
export function evalChartSpec(e: IndexEval): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 420,
    height: 260,
    data: { values: e.rows.map((r) => ({ ef: r.efSearch, recall: r.recallVsExact, p95: r.p95Ms })) },
    layer: [
      { mark: { type: 'line', point: true } },
      { mark: { type: 'text', dy: -10 }, encoding: { text: { field: 'ef', type: 'quantitative' } } },
    ],
    encoding: {
      x: { field: 'p95', type: 'quantitative', title: 'p95 query latency (ms)' },
      y: { field: 'recall', type: 'quantitative', title: `recall@${e.k} vs exact`, scale: { zero: false } },
      order: { field: 'ef', type: 'quantitative' },
    },
  };
}

/** A self-contained page: the chart as inline SVG and the table; every text escaped by `html`. */
export async function evalPage(e: IndexEval, renderer: ChartRenderer = inProcessRenderer): Promise<string> {
  const svg = await renderer.render(evalChartSpec(e), 'index-eval');
  const rows = e.rows.map(
    (r) =>
      html`<tr><td>${r.efSearch}</td><td>${r.recallVsExact.toFixed(4)}</td><td>${(r.imageRecall * 100).toFixed(1)}</td><td>${(e.exactImageRecall * 100).toFixed(1)}</td><td>${r.deltaPoints.toFixed(1)}</td><td>${r.p50Ms.toFixed(3)}</td><td>${r.p95Ms.toFixed(3)}</td></tr>`,
  );
  const size = e.indexBytes === null ? 'n/a' : `${(e.indexBytes / 2 ** 20).toFixed(2)} MiB`;
  const style =
    'body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:right}';
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bench index eval: ${e.index}</title><style>${style}</style></head>
<body><h1>Index eval</h1><p>${e.index}: ${e.images} images, ${e.captions} caption queries, k = ${e.k}; build ${e.buildSeconds.toFixed(1)} s, size ${size}</p>
${trusted(svg)}
<table><thead><tr><th>ef_search</th><th>recall@${e.k} vs exact</th><th>image recall@${e.k} %</th><th>exact %</th><th>Δ pts</th><th>p50 ms</th><th>p95 ms</th></tr></thead><tbody>${rows}</tbody></table></body></html>
`;
  return page.toString();
}
