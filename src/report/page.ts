import { headline, pct } from './data.js';
import { renderDocument, runFacts } from './document.js';
import type { RenderedCharts } from './figures.js';
import type { GalleryPayload } from './gallery.js';
import { html, trusted, type SafeHtml } from './html.js';
import { modelsSections, modelsToc, type ModelsPart } from './modelsSection.js';
import { errorSection, promptFileCell, templatesCell } from './parts.js';
import { chartSections, disagreementSection, gallerySection } from './sections.js';
import { chipStyles } from './style.js';
import type { PromptSetView, ReportModel } from './types.js';

export interface PageInput {
  readonly model: ReportModel;
  readonly charts: RenderedCharts;
  readonly gallery: GalleryPayload;
  /** Why thumbnails are missing, if they are. */
  readonly thumbnailNote: string | null;
  /** A run of several models: its grid, speed and comparisons, ahead of the (model, prompt file) pairs. */
  readonly models?: ModelsPart;
}

/** The classification page: which prompt file wins, and where. */
export function renderPage(input: PageInput): string {
  const { model } = input;
  const h = model.header;
  const models = input.models;
  return renderDocument({
    header: h,
    title: `ClipBench · ${h.dataset} · ${h.model}`,
    style: chipStyles(model.promptSets.length),
    heading: models === undefined ? 'Which prompt wins?' : 'Which model and prompt win?',
    sub:
      models === undefined
        ? `${h.dataset} · ${h.model} · ${model.promptSets.length} prompt files · ${h.evaluated} images`
        : `${h.dataset} · ${models.view.models.length} models × ${models.view.promptSets.length} prompt files · ${h.evaluated} images`,
    headline: headline(model.promptSets),
    facts: runFacts(h, [['images', `${h.evaluated} evaluated of ${h.selected} selected · ${h.classCount} classes · ${h.subset}`]]),
    toc: [...(models === undefined ? [] : modelsToc(models)), ...toc(model, input.charts)],
    sections: [
      ...(models === undefined ? [] : modelsSections(models)),
      promptFilesSection(model),
      chartSections(model, input.charts),
      disagreementSection(model),
      gallerySection(input.gallery, input.thumbnailNote),
      errorSection(h),
    ],
    data: input.gallery,
  });
}

function toc(model: ReportModel, charts: RenderedCharts): [string, string][] {
  return [
    ['prompt-files', 'Prompt files'],
    ['metrics', 'Accuracy'],
    ...(charts.templates === undefined ? [] : ([['templates', 'Templates']] as [string, string][])),
    ['per-class', 'Per-class recall'],
    ['confusion', 'Confusion matrix'],
    ...(charts.trend === undefined ? [] : ([['trend', 'Trend']] as [string, string][])),
    ['disagreements', 'Where they disagree'],
    ['gallery', 'Gallery'],
    ...(model.header.errors.length === 0 ? [] : ([['errors', 'Unreadable images']] as [string, string][])),
  ];
}

function promptFilesSection(model: ReportModel): SafeHtml {
  const best = Math.max(...model.promptSets.map((s) => s.metrics.acc1 ?? 0));
  const allTied = model.promptSets.every((s) => s.metrics.acc1 === best);
  return html`<section id="prompt-files"><h2>Prompt files</h2>
<p class="lead">Each prompt file is scored on the same image embeddings. Templates are shown exactly as written; several lines form an ensemble.</p>
<table><thead><tr><th>prompt file</th><th>templates</th><th class="num">acc1</th><th class="num">acc5</th><th class="num">mean per-class recall</th></tr></thead>
<tbody>${model.promptSets.map((set, i) => promptRow(set, i, !allTied && set.metrics.acc1 === best))}</tbody></table></section>`;
}

function promptRow(set: PromptSetView, index: number, best: boolean): SafeHtml {
  const example = set.example;
  const rendered =
    example === null
      ? html``
      : html`<div class="file">rendered for “${example.label}”:</div><pre class="templates">${example.prompts.join('\n')}</pre>`;
  return html`<tr${best ? trusted(' class="best"') : ''}>
${promptFileCell(index, set.name, set.file, best ? ' (best acc1)' : '')}
${templatesCell(set.templates, set.truncatedPrompts.length, rendered)}
<td class="num">${pct(set.metrics.acc1)}</td><td class="num">${pct(set.metrics.acc5)}</td><td class="num">${pct(set.metrics.mean_per_class_recall)}</td></tr>`;
}
