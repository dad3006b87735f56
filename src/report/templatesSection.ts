import { signedPoints } from '../util/format.js';
import { pct } from './data.js';
import type { RenderedCharts } from './figures.js';
import { html, trusted, type SafeHtml } from './html.js';
import { figure } from './parts.js';
import type { ReportModel, TemplateScore, TemplateSetView } from './types.js';

/** A prompt file with more templates than this starts folded; the chart still shows every one. */
const OPEN_TABLE_ROWS = 12;
/** Templates of one file often differ by tenths of a point, which one decimal would round away. */
const DIGITS = 2;

/** Each template of a multi-template prompt file scored alone; empty without any (one-template files, older results). */
export function templatesSection(model: ReportModel, charts: RenderedCharts): SafeHtml {
  if (model.templateSets.length === 0 || charts.templates === undefined) return html``;
  return html`<section id="templates"><h2>Templates</h2>
<p class="lead">Each template of a prompt file scored alone, on the same images: a dot per template at its acc1, the thick line the ensemble of them all, the thin grey line their median. The tables list the templates in file order; with JavaScript, a click on a column heading sorts them.</p>
${figure('templates', "acc1 of each template alone against its prompt file's ensemble", charts.templates)}
${model.templateSets.map(setTable)}
</section>`;
}

function setTable(set: TemplateSetView): SafeHtml {
  const open = set.templates.length <= OPEN_TABLE_ROWS ? trusted(' open') : '';
  return html`<details class="template-set"${open}><summary><span class="chip" data-colour="${set.index}"></span><b>${set.promptSet}</b>: ${set.templates.length} templates · ensemble acc1 ${pct(set.ensemble.acc1, DIGITS)} · median alone ${pct(set.medianAcc1, DIGITS)}</summary>
<div class="file">${set.file}</div>
<table data-sortable><thead><tr><th class="num" data-sort="num">line</th><th data-sort="text">template</th><th class="num" data-sort="num">acc1</th><th class="num" data-sort="num">acc5</th><th class="num" data-sort="num">mean per-class recall</th><th class="num" data-sort="num">acc1 vs ensemble</th></tr></thead>
<tbody>${set.templates.map((t) => templateRow(t, set.ensemble.acc1))}</tbody>
<tfoot><tr class="ensemble"><td></td><td>ensemble of all ${set.templates.length}</td>${scoreCells(set.ensemble)}<td class="num">–</td></tr></tfoot></table>
</details>`;
}

function templateRow(t: TemplateScore, ensembleAcc1: number): SafeHtml {
  const diff = t.metrics.acc1 - ensembleAcc1;
  return html`<tr><td class="num" data-value="${t.line}">${t.line}</td><td><code class="template">${t.template}</code></td>${scoreCells(t.metrics)}<td class="num" data-value="${diff}">${signedPoints(diff, DIGITS)} pts</td></tr>`;
}

/** `data-value` is what the client's sorter compares: the unrounded share, empty where there is none (acc5 under five classes). */
function scoreCells(m: TemplateScore['metrics']): SafeHtml {
  return html`${[m.acc1, m.acc5, m.mean_per_class_recall].map((v) => html`<td class="num" data-value="${v ?? ''}">${pct(v, DIGITS)}</td>`)}`;
}
