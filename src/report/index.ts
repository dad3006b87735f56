import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClassificationDataset, RetrievalDataset } from '../datasets/types.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import type { ChartRenderer } from './chartRenderer.js';
import { buildModel } from './data.js';
import { reportExtras } from './extras.js';
import { renderCharts } from './figures.js';
import { DEFAULT_GALLERY_LIMIT, galleryPayload, selectGallery } from './gallery.js';
import { renderPage } from './page.js';
import { buildRetrievalReport, type RetrievalReportOptions } from './retrieval.js';
import { metricsCsv, summaryMarkdown } from './summary.js';
import { makeThumbnails, type ThumbnailOptions } from './thumbnails.js';
import type { ReportExtras } from './types.js';

export { DEFAULT_GALLERY_LIMIT } from './gallery.js';
export { inProcessRenderer, startChartWorker, type ChartRenderer, type ChartWorkerOptions } from './chartRenderer.js';
export { reportExtras, type ExtrasOptions } from './extras.js';
export { buildRetrievalReport, type RetrievalReportOptions } from './retrieval.js';
export type { ReportExtras, RetrievalCurve, TrendPoint, Interval, MetricKey } from './types.js';

export interface ReportOptions extends ThumbnailOptions {
  /** At most this many images in the gallery (default 200); 0 leaves it empty. */
  readonly galleryLimit?: number;
  readonly extras?: ReportExtras;
  /** Where the charts render (default: in-process); `bench run` passes a worker started early. */
  readonly renderer?: ChartRenderer;
}

export interface BuiltReport {
  readonly html: string;
  readonly summary: string;
  readonly csv: string;
  /** Set when the gallery has fewer thumbnails than images (dataset moved or gone). */
  readonly thumbnailNote: string | null;
}

export interface ReportFiles {
  readonly html: string;
  readonly summary: string;
  readonly csv: string;
}

/** index.html, summary.md and metrics.csv as strings, all from one view-model. */
export async function buildReport(results: Results, options: ReportOptions = {}): Promise<BuiltReport> {
  const model = buildModel(results, options.extras);
  const limit = options.galleryLimit ?? DEFAULT_GALLERY_LIMIT;
  const chosen = selectGallery(results, model, limit);
  // Thumbnails first: sharp loads and its work runs on libuv's threads while the charts render.
  const [thumbs, charts] = await Promise.all([makeThumbnails(results, chosen.map((i) => i.id), options), renderCharts(model, options.renderer)]);
  const gallery = galleryPayload(results, model, chosen, thumbs.byId, limit);
  return {
    html: renderPage({ model, charts, gallery, thumbnailNote: thumbs.note }),
    summary: summaryMarkdown(model),
    csv: metricsCsv(model),
    thumbnailNote: thumbs.note,
  };
}

/** Writes index.html, summary.md and metrics.csv into `dir` (the run folder), each atomically. */
export async function writeReport(results: Results, dir: string, options: ReportOptions = {}): Promise<ReportFiles & { thumbnailNote: string | null }> {
  const built = await buildReport(results, options);
  const files = { html: path.join(dir, 'index.html'), summary: path.join(dir, 'summary.md'), csv: path.join(dir, 'metrics.csv') };
  await Promise.all([atomicWrite(files.html, built.html), atomicWrite(files.summary, built.summary), atomicWrite(files.csv, built.csv)]);
  return { ...files, thumbnailNote: built.thumbnailNote };
}

/** index.html, summary.md and metrics.csv of a retrieval run, written into `dir` like writeReport's. */
export async function writeRetrievalReport(results: RetrievalResults, dir: string, options: RetrievalReportOptions = {}): Promise<ReportFiles & { thumbnailNote: string | null }> {
  const built = await buildRetrievalReport(results, options);
  const files = { html: path.join(dir, 'index.html'), summary: path.join(dir, 'summary.md'), csv: path.join(dir, 'metrics.csv') };
  await Promise.all([atomicWrite(files.html, built.html), atomicWrite(files.summary, built.summary), atomicWrite(files.csv, built.csv)]);
  return { ...files, thumbnailNote: built.thumbnailNote };
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const partial = `${file}.partial`;
  await writeFile(partial, text);
  await rename(partial, file);
}

export interface RunReportOptions {
  /** The dataset the run loaded, for thumbnails without reading it again. */
  readonly dataset?: ClassificationDataset | RetrievalDataset;
  readonly cwd?: string;
  readonly galleryLimit?: number;
  /** The runs folder: its history.jsonl gives a classification report its trend. */
  readonly outDir?: string;
  readonly onWarning?: (message: string) => void;
  /** Where the charts render (default: in-process). */
  readonly renderer?: ChartRenderer;
}

/**
 * The report written at the end of `bench run`, from the dataset the run already loaded. A failure
 * here must not fail an hour-long run whose results.json is already safe on disk: it becomes a
 * warning, and `bench report` can rebuild the page later.
 */
export async function writeRunReport(results: Results | RetrievalResults, runDir: string, options: RunReportOptions): Promise<ReportFiles | undefined> {
  try {
    const written =
      results.task === 'retrieval'
        ? await writeRetrievalReport(results, runDir, { cwd: options.cwd, renderer: options.renderer, ...(options.dataset?.task === 'retrieval' ? { dataset: options.dataset } : {}) })
        : await writeReport(results as Results, runDir, {
            cwd: options.cwd,
            galleryLimit: options.galleryLimit,
            renderer: options.renderer,
            ...(options.dataset?.task === 'classification' ? { dataset: options.dataset } : {}),
            ...(options.outDir === undefined ? {} : { extras: reportExtras(results as Results, { outDir: options.outDir }) }),
          });
    if (written.thumbnailNote !== null) options.onWarning?.(written.thumbnailNote);
    return { html: written.html, summary: written.summary, csv: written.csv };
  } catch (error) {
    options.onWarning?.(`the HTML report could not be written (${error instanceof Error ? error.message : String(error)}); rebuild it with: bench report ${path.join(runDir, 'results.json')}`);
    return undefined;
  }
}
