import { createHash } from 'node:crypto';
import { colourOf } from './charts.js';
import { CLIENT_SCRIPT } from './client.js';
import { headline, pct } from './data.js';
import type { RenderedCharts } from './figures.js';
import type { GalleryPayload } from './gallery.js';
import { html, jsonForScript, trusted, type SafeHtml } from './html.js';
import { chartSections, disagreementSection, errorSection, gallerySection } from './sections.js';
import { STYLE } from './style.js';
import type { HeaderView, PromptSetView, ReportModel } from './types.js';

export interface PageInput {
  readonly model: ReportModel;
  readonly charts: RenderedCharts;
  readonly gallery: GalleryPayload;
  /** Why thumbnails are missing, if they are. */
  readonly thumbnailNote: string | null;
}

/**
 * No request to any host is possible (`default-src 'none'`, images only from data: URIs), and the
 * only script that runs is ours, allowed by its hash: an injected <script> or onerror= is inert
 * even if escaping ever failed.
 */
export function contentSecurityPolicy(script: string): string {
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  return `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`;
}

/** The shared <head>: CSP allowing only `script` (by hash), no network; escaped title. */
export function documentHead(head: { script: string; toolVersion: string; title: string; style: string }): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(head.script)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ClipBench ${head.toolVersion}">
<title>${head.title}</title>
<style>${trusted(head.style)}</style>
</head>`;
}

export function renderPage(input: PageInput): string {
  const { model } = input;
  const h = model.header;
  const page = html`${documentHead({ script: CLIENT_SCRIPT, toolVersion: h.toolVersion, title: `ClipBench · ${h.dataset} · ${h.model}`, style: STYLE + chipStyles(model.promptSets.length) })}
<body>
${headerBlock(model)}
<main>
<nav class="toc">${toc(model, input.charts)}</nav>
${promptFilesSection(model)}
${chartSections(model, input.charts)}
${disagreementSection(model)}
${gallerySection(input.gallery, input.thumbnailNote)}
${errorSection(h)}
<footer>Built by ClipBench ${h.toolVersion} from run ${h.runId}. Self-contained: this file makes no network requests and needs no other file.</footer>
</main>
<script type="application/json" id="report-data">${trusted(jsonForScript(input.gallery))}</script>
<script>${trusted(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
  return page.value;
}

function headerBlock(model: ReportModel): SafeHtml {
  const h = model.header;
  return html`<header class="top"><div class="inner">
<h1>Which prompt wins?</h1>
<div class="sub">${h.dataset} · ${h.model} · ${model.promptSets.length} prompt files · ${h.evaluated} images</div>
<p class="headline">${headline(model.promptSets)}</p>
<dl class="facts">${facts(h)}</dl>
</div></header>`;
}

function facts(h: HeaderView): SafeHtml[] {
  const rows: [string, string, boolean?][] = [
    ['model', `${h.model} (${h.modelKind})`],
    ['dtype · preprocessing', `${h.dtype} · ${h.preprocess}`],
    ['dataset', `${h.dataset} (${h.datasetFormat}) — ${h.datasetPath}`],
    ['images', `${h.evaluated} evaluated of ${h.selected} selected · ${h.classCount} classes · ${h.subset}`],
    ['unreadable images', h.errors.length === 0 ? 'none' : `${h.errors.length} (listed below)`, h.errors.length > 0],
    ['embedding cache', h.cache],
    ['run time', `${(h.durationMs / 1000).toFixed(1)} s`],
    ['date', formatDate(h.createdAt)],
    ['tool · run', `ClipBench ${h.toolVersion} · ${h.runId}`],
  ];
  return rows.map(([label, value, warn]) => html`<div><dt>${label}</dt><dd${warn ? trusted(' class="warn"') : ''}>${value}</dd></div>`);
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function toc(model: ReportModel, charts: RenderedCharts): SafeHtml[] {
  const links: [string, string][] = [
    ['prompt-files', 'Prompt files'],
    ['metrics', 'Accuracy'],
    ['per-class', 'Per-class recall'],
    ['confusion', 'Confusion matrix'],
    ...(charts.retrieval === undefined ? [] : ([['retrieval', 'Retrieval']] as [string, string][])),
    ...(charts.trend === undefined ? [] : ([['trend', 'Trend']] as [string, string][])),
    ['disagreements', 'Where they disagree'],
    ['gallery', 'Gallery'],
    ...(model.header.errors.length === 0 ? [] : ([['errors', 'Unreadable images']] as [string, string][])),
  ];
  return links.map(([id, label]) => html`<a href="#${id}">${label}</a>`);
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
  return html`<tr${best ? trusted(' class="best"') : ''}>
<td><span class="chip" data-colour="${index}"></span><b>${set.name}</b>${best ? ' (best acc1)' : ''}<div class="file">${set.file}</div></td>
<td><details><summary>${set.templates.length} ${set.templates.length === 1 ? 'template' : 'templates'}</summary><pre class="templates">${set.templates.join('\n')}</pre>
${example === null ? '' : html`<div class="file">rendered for “${example.label}”:</div><pre class="templates">${example.prompts.join('\n')}</pre>`}
${set.truncatedPrompts.length === 0 ? '' : html`<p class="note">${set.truncatedPrompts.length} prompt(s) were cut at the model's 77-token limit.</p>`}</details></td>
<td class="num">${pct(set.metrics.acc1)}</td><td class="num">${pct(set.metrics.acc5)}</td><td class="num">${pct(set.metrics.mean_per_class_recall)}</td></tr>`;
}

/** Chip colours are keyed by index, so no user text ever reaches CSS. */
export function chipStyles(count: number): string {
  return Array.from({ length: count }, (_, i) => `.chip[data-colour="${i}"]{background:${colourOf(i)}}`).join('');
}
