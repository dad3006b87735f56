import path from 'node:path';
import { wilsonInterval } from '../stats/index.js';
import type { ImageSource, RetrievalDataset } from '../datasets/types.js';
import type { RetrievalPromptSetResult, RetrievalResults } from '../results/retrievalSchema.js';
import { inProcessRenderer, type ChartRenderer } from './chartRenderer.js';
import { retrievalChart } from './charts.js';
import { pct } from './data.js';
import { html, trusted, type SafeHtml } from './html.js';
import { retrievalCsv, retrievalSummary } from './retrievalSummary.js';
import { chipStyles, documentHead, formatDate } from './page.js';
import { errorSection } from './sections.js';
import { STYLE } from './style.js';
import { THUMBNAIL_SIZE, thumbnailsOf } from './thumbnails.js';
import type { Interval, RetrievalCurve } from './types.js';

/** Queries shown each way per prompt file (results.json keeps the top 5 of the first ten). */
export const RETRIEVAL_EXAMPLES = 5;

export type Direction = 'image' | 'text';
export const DIRECTIONS: readonly Direction[] = ['image', 'text'];
const ARROW: Readonly<Record<Direction, string>> = { image: 'caption → image', text: 'image → caption' };

export interface RetrievalReportOptions {
  /** The dataset already loaded by the run (thumbnails without reading the folder listing again). */
  readonly dataset?: RetrievalDataset;
  /** Where the images are now, instead of results.json's `run.dataset.imagesDir`. */
  readonly imagesDir?: string;
  readonly cwd?: string;
  readonly examples?: number;
  /** Where the chart renders (default: in-process). */
  readonly renderer?: ChartRenderer;
}

export interface RecallValue {
  readonly promptSet: string;
  readonly direction: Direction;
  readonly k: number;
  readonly value: number;
  /** Wilson 95% interval from the per-query ranks. */
  readonly interval: Interval;
  /** Queries: captions for image retrieval, images for text retrieval. */
  readonly support: number;
}

export interface BuiltRetrievalReport {
  readonly html: string;
  readonly summary: string;
  readonly csv: string;
  readonly thumbnailNote: string | null;
}

export function metricName(direction: Direction, k: number): string {
  return `${direction}_retrieval_recall@${k}`;
}

/** recall@k per prompt file, direction and k, with its interval; the recorded metric is the value. */
export function recallValues(results: RetrievalResults): RecallValue[] {
  return results.promptSets.flatMap((set) =>
    DIRECTIONS.flatMap((direction) => {
      const ranks = direction === 'image' ? set.ranks.imageRankPerCaption : set.ranks.captionRankPerImage;
      return results.run.ks.flatMap((k): RecallValue[] => {
        const value = set.metrics[metricName(direction, k)];
        if (typeof value !== 'number') return [];
        const hits = ranks.filter((r) => r < k).length;
        return [{ promptSet: set.name, direction, k, value, interval: wilsonInterval(hits, ranks.length), support: ranks.length }];
      });
    }),
  );
}

export function retrievalCurves(results: RetrievalResults): RetrievalCurve[] {
  const values = recallValues(results);
  return results.promptSets.flatMap((set) =>
    DIRECTIONS.map((direction) => ({
      name: set.name,
      direction,
      points: values.filter((v) => v.promptSet === set.name && v.direction === direction).map((v) => ({ k: v.k, recall: v.value })),
    })).filter((c) => c.points.length > 0),
  );
}

/** One sentence: the best prompt file each way at the smallest k. */
export function retrievalHeadline(results: RetrievalResults): string {
  const k = results.run.ks[0];
  const sets = results.promptSets;
  if (k === undefined || sets.length === 0) return 'No prompt files were evaluated.';
  const best = (d: Direction): RetrievalPromptSetResult =>
    [...sets].sort((a, b) => (b.metrics[metricName(d, k)] ?? 0) - (a.metrics[metricName(d, k)] ?? 0))[0]!;
  const r = (s: RetrievalPromptSetResult, d: Direction): string => pct(s.metrics[metricName(d, k)] ?? null);
  if (sets.length === 1) {
    const s = sets[0]!;
    return `${s.name}: recall@${k} ${r(s, 'image')} finding the image of a caption, ${r(s, 'text')} finding a caption of an image.`;
  }
  const [bi, bt] = [best('image'), best('text')];
  return `Best recall@${k}: ${bi.name} for caption → image (${r(bi, 'image')}), ${bt.name} for image → caption (${r(bt, 'text')}).`;
}

export async function buildRetrievalReport(results: RetrievalResults, options: RetrievalReportOptions = {}): Promise<BuiltRetrievalReport> {
  const values = recallValues(results);
  const curves = retrievalCurves(results);
  const shown = options.examples ?? RETRIEVAL_EXAMPLES;
  // Thumbnails first: sharp's work runs on libuv's threads while the chart renders.
  const [thumbs, chart] = await Promise.all([
    exampleThumbnails(results, shown, options),
    curves.length > 0 ? (options.renderer ?? inProcessRenderer).render(retrievalChart(curves), 'retrieval') : Promise.resolve(null),
  ]);
  return {
    html: retrievalPage(results, values, chart, thumbs.byId, thumbs.note, shown),
    summary: retrievalSummary(results),
    csv: retrievalCsv(results, values),
    thumbnailNote: thumbs.note,
  };
}

/** Thumbnails of every image the examples show: the query images and each caption query's top 5. */
async function exampleThumbnails(
  results: RetrievalResults,
  shown: number,
  options: RetrievalReportOptions,
): Promise<{ byId: ReadonlyMap<string, string>; note: string | null }> {
  const indices = new Set<number>();
  for (const set of results.promptSets) {
    set.examples.captionToImages.slice(0, shown).forEach((q) => q.top.forEach((i) => indices.add(i)));
    set.examples.imageToCaptions.slice(0, shown).forEach((q) => indices.add(q.image));
  }
  const ids = [...indices].flatMap((i) => (results.images[i] === undefined ? [] : [results.images[i].id]));
  if (ids.length === 0) return { byId: new Map(), note: null };
  const where = options.imagesDir ?? results.run.dataset.imagesDir;
  const inMemory = new Map((options.dataset?.images ?? []).map((image) => [image.id, image.source]));
  const sources = new Map<string, ImageSource>(
    ids.map((id) => [id, inMemory.get(id) ?? { kind: 'file', path: path.resolve(options.cwd ?? process.cwd(), where, id) }]),
  );
  const byId = await thumbnailsOf(sources, THUMBNAIL_SIZE);
  const missing = ids.length - byId.size;
  return { byId, note: missing === 0 ? null : `${missing} of ${ids.length} example images were not found or could not be read in ${where}; they are shown without a thumbnail.` };
}

/** Switches between the prompt files' examples; allowed by its hash in the CSP. */
export const RETRIEVAL_SCRIPT = String.raw`(function () {
  'use strict';
  document.querySelectorAll('select[data-switch]').forEach(function (select) {
    var group = select.getAttribute('data-switch');
    function show() {
      document.querySelectorAll('[data-group="' + group + '"]').forEach(function (el) {
        el.hidden = el.getAttribute('data-variant') !== select.value;
      });
    }
    select.addEventListener('change', show);
    show();
  });
})();`;

const RETRIEVAL_STYLE = `
.query { margin: 10px 0 4px; font-size: 13px; overflow-wrap: anywhere; }
.query q { font-weight: 600; }
.hits { display: flex; flex-wrap: wrap; gap: 8px; }
figure.mini.hit, li.hit { border-color: var(--good); background: #f0f8f1; }
figure.mini .rank { color: var(--muted); } figure.mini .idtext { overflow-wrap: anywhere; }
.i2t { display: flex; gap: 12px; margin: 10px 0; align-items: flex-start; }
ol.captions { margin: 0; padding-left: 22px; font-size: 13px; flex: 1; min-width: 0; }
ol.captions li { padding: 2px 6px; border: 1px solid transparent; border-radius: 4px; overflow-wrap: anywhere; }
.mark { font-weight: 700; color: var(--good); font-size: 11px; margin-left: 6px; white-space: nowrap; }
.ci { color: var(--muted); font-size: 11px; display: block; }
`;

function retrievalPage(
  results: RetrievalResults,
  values: readonly RecallValue[],
  chart: string | null,
  thumbs: ReadonlyMap<string, string>,
  thumbnailNote: string | null,
  shown: number,
): string {
  const { run } = results;
  const sets = results.promptSets;
  const head = { script: RETRIEVAL_SCRIPT, toolVersion: run.toolVersion, title: `ClipBench · ${run.dataset.name} · ${run.model.id} · retrieval` };
  return html`${documentHead({ ...head, style: STYLE + RETRIEVAL_STYLE + chipStyles(sets.length) })}
<body>
<header class="top"><div class="inner">
<h1>Image ↔ text retrieval</h1>
<div class="sub">${run.dataset.name} · ${run.model.id} · ${sets.length} prompt ${sets.length === 1 ? 'file' : 'files'} · ${results.images.length} images · ${results.captions.length} captions</div>
<p class="headline">${retrievalHeadline(results)}</p>
<dl class="facts">${facts(results)}</dl>
</div></header>
<main>
<nav class="toc"><a href="#prompt-files">Prompt files</a><a href="#recall">Recall@k</a><a href="#examples">Examples</a>${results.errors.length > 0 ? html`<a href="#errors">Unreadable images</a>` : ''}</nav>
${recallTable(results, values)}
<section id="recall"><h2>Recall@k</h2>
<p class="lead">Image retrieval (caption → image): the share of captions whose image ranks in the top k of all images. Text retrieval (image → caption): the share of images with at least one of their captions in the top k of all captions.</p>
${chart === null ? html`<p class="note">No recall values to draw.</p>` : html`<figure class="chart" data-chart="retrieval" role="img" aria-label="recall at k per prompt file, both ways">${trusted(chart)}</figure>`}
</section>
${examplesSection(results, thumbs, thumbnailNote, shown)}
${errorSection({ errors: results.errors })}
<footer>Built by ClipBench ${run.toolVersion} from run ${run.id}. Self-contained: this file makes no network requests and needs no other file.</footer>
</main>
<script>${trusted(RETRIEVAL_SCRIPT)}</script>
</body>
</html>
`.value;
}

function facts(results: RetrievalResults): SafeHtml[] {
  const { run } = results;
  const d = run.dataset;
  const { images, texts } = run.cache;
  const cache =
    run.cache.location === null
      ? 'off (--no-cache)'
      : `${images.fromCache} of ${images.fromCache + images.computed} images and ${texts.fromCache} of ${texts.fromCache + texts.computed} prompts from the cache`;
  const rows: [string, string, boolean?][] = [
    ['model', `${run.model.id} (${run.model.kind})`],
    ['dtype · preprocessing', `${run.model.dtype} · ${run.preprocess.mode}, ${run.preprocess.size}px → ${run.preprocess.cropSize}px crop`],
    ['dataset', `${d.name} (${d.format}) — ${d.path}`],
    ['images folder', d.imagesDir],
    ['images · captions', `${results.images.length} evaluated of ${d.imageCount} selected · ${results.captions.length} captions · ${d.limit === null ? 'all images' : `limit ${d.limit} (seed ${run.seed})`}`],
    ['unreadable images', results.errors.length === 0 ? 'none' : `${results.errors.length} (listed below)`, results.errors.length > 0],
    ['embedding cache', cache],
    ['run time', `${(run.durationMs / 1000).toFixed(1)} s`],
    ['date', formatDate(run.createdAt)],
    ['tool · run', `ClipBench ${run.toolVersion} · ${run.id}`],
  ];
  return rows.map(([label, value, warn]) => html`<div><dt>${label}</dt><dd${warn ? trusted(' class="warn"') : ''}>${value}</dd></div>`);
}

function recallTable(results: RetrievalResults, values: readonly RecallValue[]): SafeHtml {
  const ks = results.run.ks;
  const cell = (set: string, d: Direction, k: number): SafeHtml => {
    const v = values.find((x) => x.promptSet === set && x.direction === d && x.k === k);
    return v === undefined
      ? html`<td class="num">–</td>`
      : html`<td class="num">${pct(v.value)}<span class="ci">${pct(v.interval.lo)}–${pct(v.interval.hi)}</span></td>`;
  };
  return html`<section id="prompt-files"><h2>Prompt files</h2>
<p class="lead">Each prompt file wraps every caption (several templates are ensembled); images are embedded once. Under each recall, its 95% Wilson score interval over the queries.</p>
<table><thead><tr><th rowspan="2">prompt file</th><th rowspan="2">templates</th>${DIRECTIONS.map((d) => html`<th class="num" colspan="${ks.length}">${ARROW[d]}</th>`)}</tr>
<tr>${DIRECTIONS.map(() => ks.map((k) => html`<th class="num">R@${k}</th>`))}</tr></thead>
<tbody>${results.promptSets.map(
    (set, i) => html`<tr><td><span class="chip" data-colour="${i}"></span><b>${set.name}</b><div class="file">${set.file ?? 'captions as they are'}</div></td>
<td><details><summary>${set.templates.length} ${set.templates.length === 1 ? 'template' : 'templates'}</summary><pre class="templates">${set.templates.join('\n')}</pre>
${set.truncatedPrompts.length === 0 ? '' : html`<p class="note">${set.truncatedPrompts.length} prompt(s) were cut at the model's 77-token limit.</p>`}</details></td>
${DIRECTIONS.map((d) => ks.map((k) => cell(set.name, d, k)))}</tr>`,
  )}</tbody></table></section>`;
}

function thumbImg(id: string | undefined, thumbs: ReadonlyMap<string, string>): SafeHtml {
  const uri = id === undefined ? undefined : thumbs.get(id);
  // The URI is ours (sharp's output, base64); escaping it changes nothing and costs nothing.
  return uri === undefined
    ? html`<div class="thumb nothumb">no image</div>`
    : html`<img class="thumb" width="80" height="80" alt="${id}" src="${uri}">`;
}

function examplesSection(results: RetrievalResults, thumbs: ReadonlyMap<string, string>, thumbnailNote: string | null, shown: number): SafeHtml {
  const sets = results.promptSets;
  return html`<section id="examples"><h2>Examples</h2>
<p class="lead">The top 5 results for the first queries each way under the chosen prompt file. <span class="legend-inline"><b class="g">green ✓</b>: a correct result (the caption's own image, or one of the image's own captions).</span></p>
${thumbnailNote === null ? '' : html`<p class="note">${thumbnailNote}</p>`}
<div class="controls"><label>Prompt file: <select data-switch="examples">${sets.map((s, i) => html`<option value="set-${i}">${s.name}</option>`)}</select></label></div>
${sets.map(
    (set, i) => html`<div class="example-set" data-group="examples" data-variant="set-${i}"${i > 0 ? trusted(' hidden') : ''}>
<h3>Caption → image</h3>
${set.examples.captionToImages.slice(0, shown).map((q) => captionQuery(results, q, thumbs))}
<h3>Image → caption</h3>
${set.examples.imageToCaptions.slice(0, shown).map((q) => imageQuery(results, q, thumbs))}
</div>`,
  )}
</section>`;
}

function captionQuery(results: RetrievalResults, q: { caption: number; top: readonly number[] }, thumbs: ReadonlyMap<string, string>): SafeHtml {
  const caption = results.captions[q.caption];
  return html`<div class="c2i"><p class="query">Caption: <q>${caption?.text ?? '?'}</q></p>
<div class="hits">${q.top.map((imageIndex, rank) => {
    const id = results.images[imageIndex]?.id;
    const hit = caption !== undefined && caption.image === imageIndex;
    return html`<figure class="mini${hit ? ' hit' : ''}"><span class="rank">#${rank + 1}</span>${hit ? html`<span class="mark">✓ its image</span>` : ''}
${thumbImg(id, thumbs)}<figcaption class="idtext">${id ?? '?'}</figcaption></figure>`;
  })}</div></div>`;
}

function imageQuery(results: RetrievalResults, q: { image: number; top: readonly number[] }, thumbs: ReadonlyMap<string, string>): SafeHtml {
  const id = results.images[q.image]?.id;
  return html`<div class="i2t"><figure class="mini">${thumbImg(id, thumbs)}<figcaption class="idtext">${id ?? '?'}</figcaption></figure>
<ol class="captions">${q.top.map((c) => {
    const caption = results.captions[c];
    const hit = caption !== undefined && caption.image === q.image;
    return html`<li${hit ? trusted(' class="hit"') : ''}>${caption?.text ?? '?'}${hit ? html`<span class="mark">✓ its caption</span>` : ''}</li>`;
  })}</ol></div>`;
}
