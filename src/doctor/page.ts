import { html, type SafeHtml } from '../report/html.js';
import { STYLE } from '../report/style.js';
import { percent, signedPoints } from '../util/format.js';
import type { DoctorReport } from './report.js';

/**
 * A self-contained page with the doctor's figures. No script: it is read, not explored, and a
 * page without one needs no Content-Security-Policy exception. Every value goes through `html`.
 */
export function doctorPage(report: DoctorReport): string {
  const { tokens, pixels, embeddings, zeroShot } = report;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bench doctor: ${report.model.id}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top"><div class="inner">
<h1>bench doctor</h1>
<div class="sub">${report.model.id} (${report.model.modelType}): reference-exact pipeline vs stock transformers.js</div>
<dl class="facts">
${fact('dataset', `${report.dataset.name}, ${report.dataset.images} images`)}
${fact('prompts', `${report.prompts.file}: ${report.prompts.rendered} rendered + ${report.prompts.long.length} long`)}
${fact('top-1 flips', `${zeroShot.flips} of ${zeroShot.images}`)}
${fact('acc1 change', `${signedPoints(zeroShot.acc1Change)} points`)}
</dl>
</div></header>
<main>
<section><h2>Tokens</h2>
<p>${tokens.differing} of ${tokens.prompts} prompts get different ids; the stock pipeline loses the end token of ${tokens.endLost.count}.</p>
${table(
  ['prompt', 'reference ids', 'stock ids'],
  tokens.examples.map((e) => [e.text, e.reference.join(' '), e.stock.join(' ')]),
)}
${tokens.endLost.examples.length > 0 ? html`<h3>End token lost</h3><ul>${tokens.endLost.examples.map((t) => html`<li>${t}</li>`)}</ul>` : ''}
</section>
<section><h2>Pixels and embeddings</h2>
${table(
  ['measure', 'value'],
  [
    ['pixel mean |Δ| (mean over images)', pixels.meanOfMeans.toFixed(4)],
    ['pixel max |Δ|', pixels.maxOfMax.toFixed(4)],
    ['image embedding cosine min / mean', `${embeddings.image.min.toFixed(6)} / ${embeddings.image.mean.toFixed(6)}`],
    ['text embedding cosine min / mean', `${embeddings.text.min.toFixed(6)} / ${embeddings.text.mean.toFixed(6)}`],
  ],
)}
</section>
<section><h2>Zero-shot</h2>
<p>acc1: reference ${percent(zeroShot.referenceAcc1)}, stock ${percent(zeroShot.stockAcc1)}; ${zeroShot.flips} of ${zeroShot.images} images change their top-1 class.</p>
${table(
  ['image', 'label', 'reference', 'stock'],
  zeroShot.examples.map((f) => [f.image, f.label, f.reference, f.stock]),
)}
</section>
</main>
</body>
</html>
`;
  return page.value;
}

function fact(term: string, value: string): SafeHtml {
  return html`<div><dt>${term}</dt><dd>${value}</dd></div>`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): SafeHtml | string {
  if (rows.length === 0) return '';
  return html`<table><thead><tr>${header.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`,
  )}</tbody></table>`;
}
