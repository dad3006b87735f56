import { parentPort } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import { preloadChartEngines, renderSvg } from './svg.js';

/** One chart to render; `id` pairs the answer with its request. */
export interface ChartRequest {
  readonly id: number;
  readonly spec: TopLevelSpec;
  readonly name: string;
}

export type ChartResponse = { readonly id: number; readonly svg: string } | { readonly id: number; readonly error: string };

// The point of this thread: vega and vega-lite load here, on another core, while the run works.
// A failed load is not this thread's end: every request then awaits the same load and reports its error.
// Nothing more is done ahead: rendering throw-away charts to warm vega's code up was measured to
// cost a shared 2-core machine more (CPU taken from the run) than it saved on the report.
const engines = preloadChartEngines().catch(() => undefined);

// The same renderSvg as the in-process path, so both give byte-identical SVG.
parentPort?.on('message', (request: ChartRequest) => {
  void engines
    .then(() => renderSvg(request.spec, request.name))
    .then(
      (svg): ChartResponse => ({ id: request.id, svg }),
      (error: unknown): ChartResponse => ({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    )
    .then((response) => parentPort?.postMessage(response));
});
