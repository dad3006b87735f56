import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import type { DecodedImage } from '../src/model/types.js';
import { inProcessRenderer, openChartWorkers, startChartWorker, type ChartRenderer } from '../src/report/chartRenderer.js';
import { buildReport } from '../src/report/index.js';
import { encodePng } from '../src/report/png.js';
import { scopeIds } from '../src/report/svg.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { workerScript } from '../src/util/workerScript.js';
import { CHART_EXTRAS, ROOT, TINY_MODEL, smallFolderDataset, tempDir, topResults } from './helpers.js';

const CLASSES = ['cat', 'dog', 'bird'];
const SETS = ['basic', 'fancy'];

/** Two prompt files over three classes, each wrong on different images: every chart has data. */
function results(): Results {
  const items = CLASSES.flatMap((label, c) =>
    [0, 1, 2].map((k) => ({
      id: `${label}/${k}.png`,
      label,
      top: [CLASSES[(c + (k === 0 ? 1 : 0)) % 3]!, CLASSES[(c + (k === 1 ? 2 : 0)) % 3]!],
    })),
  );
  return topResults({
    classes: CLASSES,
    items,
    sets: SETS,
    promptSuffix: '',
    acc5: 1,
    topProb: 0.8,
    restProb: 0.2,
    runId: 'chart-run',
    modelId: 'model',
    datasetName: 'animals',
    datasetPath: '/nonexistent/dataset',
    textsComputed: 6,
    durationMs: 1000,
    errors: [],
  });
}

const BAR = {
  data: { values: [{ a: 'x', b: 1 }] },
  mark: 'bar',
  encoding: { x: { field: 'a', type: 'nominal' }, color: { field: 'b', type: 'quantitative' } },
} as const;

const started: ChartRenderer[] = [];
function worker(signal?: AbortSignal): ChartRenderer {
  const renderer = startChartWorker({ signal });
  started.push(renderer);
  return renderer;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.close()));
});

describe('chart renderers', () => {
  it('the worker and in-process renderers give byte-identical report pages, build after build', async () => {
    // Every kind of chart the page can hold: whiskers and a trend besides the usual ones.
    const options = { images: { none: 'No images in this test' }, galleryLimit: 0, extras: CHART_EXTRAS };
    const inProcess = await buildReport(results(), options);
    const again = await buildReport(results(), options);
    const viaWorker = await buildReport(results(), { ...options, renderer: worker() });
    for (const chart of ['metrics', 'heatmap', 'confusion', 'trend']) expect(inProcess.html).toContain(`data-chart="${chart}"`);
    expect(again.html).toBe(inProcess.html);
    expect(viaWorker.html).toBe(inProcess.html);
    // Clip paths and gradients are named after their chart, so no two inline SVGs share an id.
    const ids = [...inProcess.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toContain('metrics-1');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renumbers ids per chart and rewrites only real references', () => {
    const svg =
      '<svg><g clip-path="url(#clip7)"><text>url(#clip7) id="clip7"</text><path fill="url(#gradient_3)"/></g><defs><clipPath id="clip7"/><linearGradient id="gradient_3"/></defs></svg>';
    expect(scopeIds(svg, 'metrics')).toBe(
      '<svg><g clip-path="url(#metrics-1)"><text>url(#clip7) id="clip7"</text><path fill="url(#metrics-2)"/></g><defs><clipPath id="metrics-1"/><linearGradient id="metrics-2"/></defs></svg>',
    );
  });

  it('a spec vega cannot render rejects with the reason, and the worker goes on rendering', async () => {
    const renderer = worker();
    await expect(renderer.render({} as never, 'broken')).rejects.toThrow(/^chart rendering failed: Invalid specification/);
    await expect(inProcessRenderer.render({} as never, 'broken')).rejects.toThrow(/Invalid specification/);
    await expect(renderer.render({ ...BAR, mark: () => 'bar' } as never, 'unclonable')).rejects.toThrow(
      /chart rendering failed: .*could not be cloned/,
    );
    await expect(renderer.render(BAR, 'Not An Id')).rejects.toThrow(/cannot prefix an SVG id/);
    expect(await renderer.render(BAR, 'bar')).toBe(await inProcessRenderer.render(BAR, 'bar'));
  });

  it('an abort terminates the worker: renders waiting on it reject, later ones at once', async () => {
    const controller = new AbortController();
    const before = openChartWorkers();
    const renderer = worker(controller.signal);
    expect(openChartWorkers()).toBe(before + 1);
    const waiting = renderer.render(BAR, 'bar');
    controller.abort();
    await expect(waiting).rejects.toThrow('chart rendering was interrupted');
    await expect(renderer.render(BAR, 'bar')).rejects.toThrow('chart rendering was interrupted');
    await renderer.close();
    expect(openChartWorkers()).toBe(before);
  });

  it('an idle worker does not keep the process alive, a waiting render does', () => {
    const script = path.join(tempDir('chart-worker-'), 'render.mjs');
    writeFileSync(
      script,
      `const { startChartWorker } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/report/chartRenderer.js')).href)});
const renderer = startChartWorker();
const svg = await renderer.render(${JSON.stringify(BAR)}, 'bar');
console.log(svg.startsWith('<svg') ? 'rendered' : svg);
// No close(): the process must still end once nothing else is pending.
`,
    );
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.signal).toBeNull();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('rendered');
    expect(child.status).toBe(0);
  });

  it('the worker script is the compiled file beside the module, or its twin in dist/ under vitest', () => {
    expect(workerScript(pathToFileURL(path.join(ROOT, 'src/report/chartRenderer.ts')).href, './chartWorker.js')).toBe(
      path.join(ROOT, 'dist/report/chartWorker.js'),
    );
    expect(workerScript(pathToFileURL(path.join(ROOT, 'dist/report/chartRenderer.js')).href, './chartWorker.js')).toBe(
      path.join(ROOT, 'dist/report/chartWorker.js'),
    );
  });
});

describe('bench run and its chart worker', () => {
  it('renders the run report on the worker and leaves no worker behind, whether the run succeeds or fails', async () => {
    const before = openChartWorkers();
    const config = resolveRunConfig(ROOT, {
      model: TINY_MODEL,
      dataset: smallFolderDataset(2, 2),
      out: tempDir('reports-'),
      cacheDir: tempDir('cache-'),
      threads: 1,
    });
    const run = await benchRun(config, [path.join(ROOT, 'prompts/basic.hbs')], ROOT);
    expect(run.report).toBeDefined();
    expect(openChartWorkers()).toBe(before);
    await expect(benchRun(config, ['/no/such.hbs'], ROOT)).rejects.toThrow('cannot read prompt file /no/such.hbs');
    expect(openChartWorkers()).toBe(before);
  });
});

describe('PNG thumbnails without sharp', () => {
  it('encodes grey, grey + alpha, RGB and RGBA exactly', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const [width, height] = [5, 3];
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 53 + 7) % 256);
      const png = encodePng({ width, height, channels, data } satisfies DecodedImage);
      expect(await sharp(png).metadata(), `${channels} channels`).toMatchObject({ width, height, channels, hasAlpha: channels % 2 === 0 });
      // sharp hands grey back as RGB: each grey value three times, then its alpha.
      const grey = (p: number): number[] => [
        data[p * channels]!,
        data[p * channels]!,
        data[p * channels]!,
        ...(channels === 2 ? [data[p * 2 + 1]!] : []),
      ];
      const asRgb = channels > 2 ? data : Uint8Array.from(Array.from({ length: width * height }, (_, p) => grey(p)).flat());
      expect(new Uint8Array(await sharp(png).raw().toBuffer()), `${channels} channels`).toEqual(asRgb);
    }
  });
});
