import { renderDocument, runFacts } from './document.js';
import { errorSection } from './parts.js';
import type { RetrievalModel } from './retrievalData.js';
import { examplesSection, recallSection, recallTable } from './retrievalSections.js';
import { chipStyles, RETRIEVAL_STYLE } from './style.js';

export interface RetrievalPageInput {
  readonly model: RetrievalModel;
  /** The recall@k curves as SVG; null when there is no value to draw. */
  readonly chart: string | null;
  readonly thumbs: ReadonlyMap<string, string>;
  /** Why thumbnails are missing, if they are. */
  readonly thumbnailNote: string | null;
}

/** The retrieval page: recall@k each way per prompt file, and what the first queries found. */
export function renderRetrievalPage(input: RetrievalPageInput): string {
  const { model } = input;
  const { results, header: h } = model;
  const d = results.run.dataset;
  const sets = results.promptSets.length;
  return renderDocument({
    header: h,
    title: `ClipBench · ${h.dataset} · ${h.model} · retrieval`,
    style: RETRIEVAL_STYLE + chipStyles(sets),
    heading: 'Image ↔ text retrieval',
    sub: `${h.dataset} · ${h.model} · ${sets} prompt ${sets === 1 ? 'file' : 'files'} · ${results.images.length} images · ${results.captions.length} captions`,
    headline: model.headline,
    facts: runFacts(h, [
      ['images folder', d.imagesDir],
      [
        'images · captions',
        `${results.images.length} evaluated of ${d.imageCount} selected · ${results.captions.length} captions · ${d.limit === null ? 'all images' : `limit ${d.limit} (seed ${results.run.seed})`}`,
      ],
    ]),
    toc: [
      ['prompt-files', 'Prompt files'],
      ['recall', 'Recall@k'],
      ['examples', 'Examples'],
      ...(h.errors.length > 0 ? ([['errors', 'Unreadable images']] as [string, string][]) : []),
    ],
    sections: [
      recallTable(model),
      recallSection(input.chart),
      examplesSection(results, input.thumbs, input.thumbnailNote),
      errorSection(h),
    ],
  });
}
