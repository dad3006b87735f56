import { Worker } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import { workerScript } from '../util/workerScript.js';
import type { ChartRequest, ChartResponse } from './chartWorker.js';
import { renderSvg } from './svg.js';

/** Turns a vega-lite spec into checked SVG markup (see renderSvg). */
export interface ChartRenderer {
  /** `name`: the chart's name, unique in its page (its SVG's ids derive from it). */
  render(spec: TopLevelSpec, name: string): Promise<string>;
  /** Frees the renderer; renders still waiting reject. */
  close(): Promise<void>;
}

/** Renders on the calling thread; vega loads on the first chart. The default of every report builder. */
export const inProcessRenderer: ChartRenderer = {
  render: renderSvg,
  close: () => Promise.resolve(),
};

let openWorkers = 0;

/** Chart workers started and not yet exited (for tests: a finished run must leave none). */
export function openChartWorkers(): number {
  return openWorkers;
}

export interface ChartWorkerOptions {
  /** Aborting terminates the worker; renders waiting on it reject. */
  readonly signal?: AbortSignal;
}

/**
 * A renderer on a worker thread, started early (`bench run` starts it before loading the dataset):
 * loading vega and vega-lite takes ~0.3–0.45 s, which the worker spends on another core while the run
 * works, and the charts then render there while this thread makes the gallery's thumbnails. The
 * worker runs the same renderSvg, so its SVG is byte-identical to inProcessRenderer's.
 *
 * The worker never keeps the process alive by itself: it is unref'd while idle and ref'd only while
 * a render waits on it (otherwise a process awaiting nothing else would exit mid-render).
 */
export function startChartWorker(options: ChartWorkerOptions = {}): ChartRenderer {
  const worker = new Worker(workerScript(import.meta.url, './chartWorker.js'));
  openWorkers++;
  worker.unref();
  const pending = new Map<number, { resolve: (svg: string) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  // Set once the worker cannot answer any more; later renders reject with it at once.
  let failure: Error | undefined;
  let closing: Promise<void> | undefined;

  const fail = (error: Error): void => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
    worker.unref();
  };
  worker.on('message', (response: ChartResponse) => {
    const waiter = pending.get(response.id);
    if (waiter === undefined) return;
    pending.delete(response.id);
    if (pending.size === 0) worker.unref();
    if ('svg' in response) waiter.resolve(response.svg);
    else waiter.reject(new Error(`chart rendering failed: ${response.error}`));
  });
  worker.on('error', (error) => fail(new Error(`the chart worker failed: ${error.message}`)));
  worker.on('exit', (code) => {
    openWorkers--;
    options.signal?.removeEventListener('abort', onAbort);
    fail(new Error(closing === undefined ? `the chart worker exited unexpectedly (code ${code})` : 'the chart worker was closed'));
  });

  const close = (): Promise<void> => {
    closing ??= worker.terminate().then(() => undefined);
    return closing;
  };
  const onAbort = (): void => {
    fail(new Error('chart rendering was interrupted'));
    void close();
  };
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    render: (spec, name) =>
      new Promise<string>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        const id = nextId++;
        pending.set(id, { resolve, reject });
        if (pending.size === 1) worker.ref();
        try {
          worker.postMessage({ id, spec, name } satisfies ChartRequest);
        } catch (error) {
          // A spec that cannot be cloned (a function in it) fails here, not in the worker.
          pending.delete(id);
          if (pending.size === 0) worker.unref();
          reject(new Error(`chart rendering failed: ${error instanceof Error ? error.message : String(error)}`));
        }
      }),
    close,
  };
}
