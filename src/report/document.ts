import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client.js';
import { html, jsonForScript, trusted, type SafeHtml } from './html.js';
import type { RunHeader } from './runHeader.js';
import { STYLE } from './style.js';

/** One fact of the header: label, value, and whether it is a warning. */
export type Fact = readonly [label: string, value: string, warn?: boolean];

/** What a page puts in the frame both pages share. */
export interface DocumentParts {
  readonly header: RunHeader;
  readonly title: string;
  /** The page's own CSS, after the shared stylesheet. */
  readonly style: string;
  readonly heading: string;
  readonly sub: string;
  readonly headline: string;
  readonly facts: readonly Fact[];
  /** [section id, label] per link of the table of contents. */
  readonly toc: readonly (readonly [string, string])[];
  readonly sections: readonly SafeHtml[];
  /** What the script reads (the gallery), inlined as JSON; absent on a page that draws nothing from data. */
  readonly data?: unknown;
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

/** A whole page: head with the CSP, header with the facts, table of contents, sections, footer, script. */
export function renderDocument(parts: DocumentParts): string {
  const h = parts.header;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(CLIENT_SCRIPT)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ClipBench ${h.toolVersion}">
<title>${parts.title}</title>
<style>${trusted(STYLE + parts.style)}</style>
</head>
<body>
<header class="top"><div class="inner">
<h1>${parts.heading}</h1>
<div class="sub">${parts.sub}</div>
<p class="headline">${parts.headline}</p>
<dl class="facts">${parts.facts.map(fact)}</dl>
</div></header>
<main>
<nav class="toc">${parts.toc.map(([id, label]) => html`<a href="#${id}">${label}</a>`)}</nav>
${trusted(parts.sections.map((s) => s.value).join('\n'))}
<footer>Built by ClipBench ${h.toolVersion} from run ${h.runId}. Self-contained: this file makes no network requests and needs no other file.</footer>
</main>
${parts.data === undefined ? '' : html`<script type="application/json" id="report-data">${trusted(jsonForScript(parts.data))}</script>\n`}<script>${trusted(CLIENT_SCRIPT)}</script>
</body>
</html>
`.value;
}

function fact([label, value, warn]: Fact): SafeHtml {
  return html`<div><dt>${label}</dt><dd${warn === true ? trusted(' class="warn"') : ''}>${value}</dd></div>`;
}

/** The facts of every run, around `own`: the task's rows on what was evaluated. */
export function runFacts(h: RunHeader, own: readonly Fact[]): Fact[] {
  return [
    ['model', `${h.model} (${h.modelKind})`],
    ['dtype · preprocessing', `${h.dtype} · ${h.preprocess}`],
    ['probabilities', h.scores],
    ['dataset', `${h.dataset} (${h.datasetFormat}) — ${h.datasetPath}`],
    ...own,
    ['unreadable images', h.errors.length === 0 ? 'none' : `${h.errors.length} (listed below)`, h.errors.length > 0],
    ['embedding cache', h.cache],
    ['run time', `${(h.durationMs / 1000).toFixed(1)} s`],
    ['date', formatDate(h.createdAt)],
    ['tool · run', `ClipBench ${h.toolVersion} · ${h.runId}`],
  ];
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
