import path from 'node:path';
import type { Dataset } from '../datasets/types.js';
import type { MultiModelResults } from '../results/multiModelSchema.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import { flatView, isMultiModel, type AnyResults } from '../results/views.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import { inProcessRenderer, type ChartRenderer } from './chartRenderer.js';
import { retrievalChart } from './charts.js';
import { buildModel } from './data.js';
import { reportExtras } from './extras.js';
import { renderCharts } from './figures.js';
import { DEFAULT_GALLERY_LIMIT, galleryPayload, selectGallery } from './gallery.js';
import { renderModelCharts } from './modelCharts.js';
import { buildModelsView } from './modelsData.js';
import { modelsMarkdown } from './modelsSummary.js';
import { renderPage } from './page.js';
import { buildRetrievalModel, exampleImageIds } from './retrievalData.js';
import { renderRetrievalPage } from './retrievalPage.js';
import { retrievalCsv, retrievalSummary } from './retrievalSummary.js';
import { metricsCsv, summaryMarkdown } from './summary.js';
import { makeThumbnails, type ReportImages } from './thumbnails.js';
import type { ReportExtras } from './types.js';

export { startChartWorker } from './chartRenderer.js';
export { reportExtras } from './extras.js';
export type { ReportImages } from './thumbnails.js';

export interface ReportOptions {
  /** Where the thumbnails come from: the caller's to find, since the report loads no dataset. */
  readonly images: ReportImages;
  /** Classification: at most this many images in the gallery (default 200); 0 leaves it empty. */
  readonly galleryLimit?: number;
  /** Classification: intervals and the trend (see reportExtras). */
  readonly extras?: ReportExtras;
  /** Where the charts render (default: in-process); `bench run` passes a worker started early. */
  readonly renderer?: ChartRenderer;
}

/** index.html, summary.md and metrics.csv as text. */
export interface BuiltReport {
  readonly html: string;
  readonly summary: string;
  readonly csv: string;
  /** Why some or all thumbnails are missing (the dataset moved or is gone); null when none are. */
  readonly thumbnailNote: string | null;
}

/** Where index.html, summary.md and metrics.csv were written. */
export interface ReportFiles {
  readonly html: string;
  readonly summary: string;
  readonly csv: string;
}

/**
 * The report of a run of either task, each file from one view-model. Several models are reported
 * as one run of (model, prompt file) pairs (flatView), plus what only several models show.
 */
export function buildReport(results: AnyResults, options: ReportOptions): Promise<BuiltReport> {
  if (results.task === 'retrieval') return buildRetrievalReport(results, options);
  return isMultiModel(results)
    ? buildClassificationReport(flatView(results), options, results)
    : buildClassificationReport(results, options);
}

/** What a classification report is drawn from: one model's results, or the flat view of several. */
export function classificationView(results: Results | MultiModelResults): Results {
  return isMultiModel(results) ? flatView(results) : results;
}

async function buildClassificationReport(results: Results, options: ReportOptions, multi?: MultiModelResults): Promise<BuiltReport> {
  const model = buildModel(results, options.extras);
  const modelsView = multi === undefined ? undefined : buildModelsView(multi);
  const limit = options.galleryLimit ?? DEFAULT_GALLERY_LIMIT;
  const chosen = selectGallery(results, model, limit);
  // Thumbnails first: sharp loads and its work runs on libuv's threads while the charts render.
  const [thumbs, charts, modelCharts] = await Promise.all([
    makeThumbnails(
      options.images,
      chosen.map((i) => i.id),
      'gallery',
    ),
    renderCharts(model, options.renderer),
    modelsView === undefined ? undefined : renderModelCharts(modelsView, options.renderer),
  ]);
  const gallery = galleryPayload(results, model, chosen, thumbs.byId, limit);
  const models = modelsView === undefined || modelCharts === undefined ? undefined : { view: modelsView, charts: modelCharts };
  return {
    html: renderPage({ model, charts, gallery, thumbnailNote: thumbs.note, ...(models === undefined ? {} : { models }) }),
    summary: summaryMarkdown(model, modelsView === undefined ? [] : modelsMarkdown(modelsView)),
    csv: metricsCsv(model),
    thumbnailNote: thumbs.note,
  };
}

async function buildRetrievalReport(results: RetrievalResults, options: ReportOptions): Promise<BuiltReport> {
  const model = buildRetrievalModel(results);
  const renderer = options.renderer ?? inProcessRenderer;
  // Thumbnails first: sharp's work runs on libuv's threads while the chart renders.
  const [thumbs, chart] = await Promise.all([
    makeThumbnails(options.images, exampleImageIds(results), 'examples'),
    model.curves.length > 0 ? renderer.render(retrievalChart(model.curves), 'retrieval') : null,
  ]);
  return {
    html: renderRetrievalPage({ model, chart, thumbs: thumbs.byId, thumbnailNote: thumbs.note }),
    summary: retrievalSummary(model),
    csv: retrievalCsv(model),
    thumbnailNote: thumbs.note,
  };
}

/** Writes index.html, summary.md and metrics.csv into `dir` (the run folder), each atomically. */
export async function writeReport(
  results: AnyResults,
  dir: string,
  options: ReportOptions,
): Promise<ReportFiles & Pick<BuiltReport, 'thumbnailNote'>> {
  const built = await buildReport(results, options);
  const files = { html: path.join(dir, 'index.html'), summary: path.join(dir, 'summary.md'), csv: path.join(dir, 'metrics.csv') };
  await Promise.all([
    writeFileAtomically(files.html, built.html),
    writeFileAtomically(files.summary, built.summary),
    writeFileAtomically(files.csv, built.csv),
  ]);
  return { ...files, thumbnailNote: built.thumbnailNote };
}

export interface RunReportOptions {
  /** The dataset the run loaded: the thumbnails come from it without reading it again. */
  readonly dataset: Dataset;
  readonly galleryLimit?: number;
  /** The runs folder: its history.jsonl gives a classification report its trend. */
  readonly outDir: string;
  readonly onWarning?: (message: string) => void;
  /** Where the charts render (default: in-process). */
  readonly renderer?: ChartRenderer;
}

/**
 * The report written at the end of `bench run`. A failure here must not fail an hour-long run
 * whose results.json is already safe on disk: it becomes a warning, and `bench report` can
 * rebuild the page later.
 */
export async function writeRunReport(results: AnyResults, runDir: string, options: RunReportOptions): Promise<ReportFiles | undefined> {
  try {
    const written = await writeReport(results, runDir, {
      images: { dataset: options.dataset },
      galleryLimit: options.galleryLimit,
      renderer: options.renderer,
      extras: results.task === 'retrieval' ? undefined : reportExtras(classificationView(results), { outDir: options.outDir }),
    });
    if (written.thumbnailNote !== null) options.onWarning?.(written.thumbnailNote);
    return { html: written.html, summary: written.summary, csv: written.csv };
  } catch (error) {
    options.onWarning?.(
      `the HTML report could not be written (${error instanceof Error ? error.message : String(error)}); rebuild it with: bench report ${path.join(runDir, 'results.json')}`,
    );
    return undefined;
  }
}
