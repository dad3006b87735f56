import { MAX_HEATMAP_CLASSES } from './heatmap.js';
import type { RenderedCharts } from './figures.js';
import type { GalleryPayload } from './gallery.js';
import { html, trusted, type SafeHtml } from './html.js';
import { figure } from './parts.js';
import { templatesSection } from './templatesSection.js';
import type { Disagreement, ReportModel } from './types.js';

export function chartSections(model: ReportModel, charts: RenderedCharts): SafeHtml {
  const intervals = model.metrics.some((m) => m.interval !== undefined);
  return html`<section id="metrics"><h2>Accuracy by prompt file</h2>
<p class="lead">acc1: the true class is the top prediction; acc5: it is among the top five; mean per-class recall weighs every class equally.${intervals ? ' Whiskers show 95% intervals.' : ''}</p>
${figure('metrics', 'acc1, acc5 and mean per-class recall per prompt file', charts.metrics)}</section>
${templatesSection(model, charts)}
${heatmapSection(model, charts)}
${confusionSection(model, charts)}
${charts.trend === undefined ? '' : html`<section id="trend"><h2>Trend over runs</h2><p class="lead">The same metrics in earlier runs.</p>${figure('trend', 'metrics over earlier runs', charts.trend)}</section>`}`;
}

function heatmapSection(model: ReportModel, charts: RenderedCharts): SafeHtml {
  const capped = model.classNames.length > MAX_HEATMAP_CLASSES;
  return html`<section id="per-class"><h2>Per-class recall</h2>
<p class="lead">Left: the share of each class's images classified correctly under each prompt file. Right: the change against the first prompt file, in points — <b>blue</b> where a template helps a class, <b>red</b> where it hurts.</p>
${capped ? html`<p class="note">Showing the ${MAX_HEATMAP_CLASSES} of ${model.classNames.length} classes whose recall differs most between prompt files; metrics.csv has every class.</p>` : ''}
<div class="controls"><label>Order rows: <select data-switch="heatmap">${charts.heatmap.map((v) => html`<option value="${v.order.key}">${v.order.label}</option>`)}</select></label></div>
${charts.heatmap.map((v, i) => figure('heatmap', `per-class recall, ${v.order.label}`, v.svg, { group: 'heatmap', key: v.order.key, hidden: i > 0 }))}
</section>`;
}

function confusionSection(model: ReportModel, charts: RenderedCharts): SafeHtml {
  const view = model.confusion[0];
  const capped = view !== undefined && view.labels.length < view.totalClasses;
  return html`<section id="confusion"><h2>Confusion matrix</h2>
<p class="lead">Rows are true classes, columns the predicted ones; colour is the share of the row, numbers are image counts.</p>
${capped ? html`<p class="note">Showing the ${view.labels.length} of ${view.totalClasses} classes with the most errors under each prompt file.</p>` : ''}
<div class="controls"><label>Prompt file: <select data-switch="confusion">${charts.confusion.map((c, i) => html`<option value="set-${i}">${c.promptSet}</option>`)}</select></label></div>
${charts.confusion.map((c, i) => figure('confusion', `confusion matrix for ${c.promptSet}`, c.svg, { group: 'confusion', key: `set-${i}`, hidden: i > 0 }))}
</section>`;
}

export function disagreementSection(model: ReportModel): SafeHtml {
  if (model.disagreements.length === 0) {
    return html`<section id="disagreements"><h2>Where prompt files disagree</h2><p class="lead">Only one prompt file was run; there is nothing to compare.</p></section>`;
  }
  return html`<section id="disagreements"><h2>Where prompt files disagree</h2>
<p class="lead">For each pair of prompt files, the images one gets right and the other wrong. The net difference is what moves acc1; large counts both ways mean the templates fail on different images.</p>
<table><thead><tr><th>prompt files</th><th class="num">first right, second wrong</th><th class="num">second right, first wrong</th><th class="num">net</th></tr></thead>
<tbody>${model.disagreements.map(pairRow)}</tbody></table>
${model.disagreements.map((d, i) => pairExamples(d, i, model.disagreements.length <= 3))}
</section>`;
}

function pairRow(d: Disagreement): SafeHtml {
  const net = d.aOnly - d.bOnly;
  const verdict = net === 0 ? 'even' : `${net > 0 ? d.a : d.b} +${Math.abs(net)}`;
  return html`<tr><td><b>${d.a}</b> vs <b>${d.b}</b></td><td class="num">${d.aOnly}</td><td class="num">${d.bOnly}</td><td class="num">${verdict}</td></tr>`;
}

function pairExamples(d: Disagreement, index: number, open: boolean): SafeHtml {
  const side = (key: 'a' | 'b', right: string, wrong: string, count: number, shown: number): SafeHtml =>
    html`<h3>${right} right, ${wrong} wrong: ${count} ${count === 1 ? 'image' : 'images'}${count > shown ? ` (first ${shown} shown)` : ''}</h3>
<div class="examples" data-pair="${index}" data-side="${key}"></div>`;
  return html`<details class="pair"${open ? trusted(' open') : ''}><summary><b>${d.a}</b> vs <b>${d.b}</b></summary>
${side('a', d.a, d.b, d.aOnly, d.aOnlyExamples.length)}
${side('b', d.b, d.a, d.bOnly, d.bOnlyExamples.length)}
</details>`;
}

export function gallerySection(gallery: GalleryPayload, thumbnailNote: string | null): SafeHtml {
  return html`<section id="gallery"><h2>Gallery</h2>
<p class="lead">Each image beside its top-5 class probabilities under the chosen prompt file; misclassified images first.
<span class="legend-inline"><b class="g">green</b>: the true class · <b class="r">red</b>: a wrong top prediction.</span></p>
${thumbnailNote === null ? '' : html`<p class="note">${thumbnailNote}</p>`}
<div class="controls">
<label>Prompt file: <select id="gallery-set"></select></label>
<label>True class: <select id="gallery-class"><option value="">all classes</option></select></label>
<label>Show: <select id="gallery-show"><option value="all">all</option><option value="wrong">misclassified only</option>${gallery.sets.length > 1 ? html`<option value="disagree">prompt files disagree</option>` : ''}</select></label>
<span id="gallery-count" class="legend-inline"></span>
</div>
<noscript><p class="note">The gallery needs JavaScript; the charts above do not.</p></noscript>
<div id="gallery-grid" class="grid"></div>
</section>`;
}
