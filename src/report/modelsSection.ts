import type { DtypeCheck, ModelContrast } from '../results/multiModelSchema.js';
import { formatP, signedPoints } from '../util/format.js';
import { pct } from './data.js';
import { html, type SafeHtml } from './html.js';
import type { RenderedModelCharts } from './modelCharts.js';
import { megabytes, parameterCount } from '../util/format.js';
import { speed, SPEED_NOT_MEASURED, type ModelRow, type ModelsView } from './modelsData.js';
import { figure } from './parts.js';
import type { Interval } from './types.js';

/** What the page shows of a run of several models, before the (model, prompt file) pairs. */
export interface ModelsPart {
  readonly view: ModelsView;
  readonly charts: RenderedModelCharts;
}

export function modelsToc(part: ModelsPart): [string, string][] {
  const { view } = part;
  return [
    ['models', 'Models'],
    ['speed', 'Accuracy vs speed'],
    ...(view.diffs.length === 0 ? [] : ([['model-recall', 'Per-class recall by model']] as [string, string][])),
    ...(view.contrasts.length === 0 ? [] : ([['model-contrasts', 'Model comparisons']] as [string, string][])),
    ...(view.dtypeChecks.length === 0 ? [] : ([['dtype-checks', 'dtype checks']] as [string, string][])),
  ];
}

export function modelsSections(part: ModelsPart): SafeHtml[] {
  return [
    gridSection(part),
    speedSection(part),
    diffSection(part),
    contrastsSection(part.view.contrasts),
    dtypeSection(part.view.dtypeChecks),
  ];
}

function gridSection({ view, charts }: ModelsPart): SafeHtml {
  return html`<section id="models"><h2>Models × prompt files</h2>
<p class="lead">acc1 of every model under every prompt file, on the same images, with its 95% Wilson interval in brackets. The table adds what each model costs.</p>
${figure('models-grid', 'acc1 per model and prompt file', charts.grid)}
<table><thead><tr><th rowspan="2">model</th><th class="num" rowspan="2">images/s</th><th class="num" rowspan="2">load s</th><th class="num" rowspan="2">parameters</th><th class="num" rowspan="2">ONNX size</th>${view.promptSets.map((s) => html`<th colspan="3">${s}</th>`)}</tr>
<tr>${view.promptSets.map(() => html`<th class="num">acc1</th><th class="num">acc5</th><th class="num">mean per-class recall</th>`)}</tr></thead>
<tbody>${view.models.map((m) => modelRow(m, view.promptSets))}</tbody></table></section>`;
}

function modelRow(m: ModelRow, promptSets: readonly string[]): SafeHtml {
  const c = m.cost;
  return html`<tr><td><span class="chip" data-colour="${m.index}"></span><b>${m.key}</b></td><td class="num">${speed(c.imagesPerSecond)}</td><td class="num">${c.loadSeconds.toFixed(1)}</td><td class="num">${parameterCount(c.parameters)}</td><td class="num">${megabytes(c.onnxBytes)}</td>${promptSets.map(
    (s) => {
      const score = m.scores.get(s);
      return score === undefined
        ? html`<td class="num">–</td><td class="num">–</td><td class="num">–</td>`
        : html`<td class="num">${pct(score.metrics.acc1)}</td><td class="num">${pct(score.metrics.acc5)}</td><td class="num">${pct(score.metrics.mean_per_class_recall)}</td>`;
    },
  )}</tr>`;
}

function speedSection({ view, charts }: ModelsPart): SafeHtml {
  const unmeasured = view.models.filter((m) => m.cost.imagesPerSecond === null);
  const select =
    charts.speed.length > 1
      ? html`<div class="controls"><label>acc1 on: <select data-switch="model-speed">${charts.speed.map((c, i) => html`<option value="set-${i}">${c.promptSet}</option>`)}</select></label></div>`
      : '';
  return html`<section id="speed"><h2>Accuracy vs speed</h2>
<p class="lead">One point per model: images per second through its vision tower (decoding and preprocessing are shared between models, so they are left out) against its acc1. Up and to the right is better.</p>
${select}
${charts.speed.map((c, i) => figure('models-speed', `acc1 on ${c.promptSet} against images per second`, c.svg, { group: 'model-speed', key: `set-${i}`, hidden: i > 0 }))}
${unmeasured.length === 0 ? '' : html`<p class="note">${unmeasured.map((m, i) => html`${i > 0 ? ', ' : ''}<b>${m.key}</b>`)}: ${SPEED_NOT_MEASURED}.</p>`}
</section>`;
}

function diffSection({ view, charts }: ModelsPart): SafeHtml {
  const [first] = view.models;
  if (first === undefined || view.diffs.length === 0) return html``;
  const capped = view.diffs.some((d) => d.rows.length < d.comparable);
  return html`<section id="model-recall"><h2>Per-class recall vs ${first.key}</h2>
<p class="lead">For each prompt file, each model's per-class recall minus that of ${first.key}, in points: <b>blue</b> where the model does better on a class, <b>red</b> where it does worse.</p>
${capped ? html`<p class="note">Showing the classes whose recall differs most; metrics.csv has every class.</p>` : ''}
<div class="controls"><label>Model · prompt file: <select data-switch="model-recall">${view.diffs.map((d, i) => html`<option value="diff-${i}">${d.model} vs ${d.against} · ${d.promptSet}</option>`)}</select></label></div>
${view.diffs.map((d, i) => figure('models-diff', `per-class recall of ${d.model} vs ${d.against} on ${d.promptSet}`, charts.diffs[i] ?? '', { group: 'model-recall', key: `diff-${i}`, hidden: i > 0 }))}
</section>`;
}

/** "[−1.2, +3.4]" points. */
function ci(interval: Interval): string {
  return `[${signedPoints(interval.lo, 1)}, ${signedPoints(interval.hi, 1)}]`;
}

function contrastsSection(contrasts: readonly ModelContrast[]): SafeHtml {
  if (contrasts.length === 0) return html``;
  return html`<section id="model-contrasts"><h2>Paired model comparisons</h2>
<p class="lead">Each model against the best one on the same prompt file and the same images: the acc1 difference with its paired bootstrap 95% interval, and McNemar's exact test on the images one gets right and the other wrong.</p>
<table><thead><tr><th>prompt file</th><th>model</th><th>vs</th><th class="num">Δacc1 (pts)</th><th class="num">95% CI (pts)</th><th class="num">McNemar p</th><th class="num">lost / gained</th><th>verdict</th></tr></thead>
<tbody>${contrasts.map(
    (c) =>
      html`<tr><td>${c.promptSet}</td><td><b>${c.model}</b></td><td>${c.against}</td><td class="num">${signedPoints(c.delta, 1)}</td><td class="num">${ci(c.interval)}</td><td class="num">${formatP(c.pValue)}</td><td class="num">${c.lost} / ${c.gained}</td><td>${c.significant ? 'significant' : 'within noise'}</td></tr>`,
  )}</tbody></table></section>`;
}

function dtypeSection(checks: readonly DtypeCheck[]): SafeHtml {
  if (checks.length === 0) return html``;
  return html`<section id="dtype-checks"><h2>dtype checks</h2>
<p class="lead">Each reduced-precision build against the fp32 build of the same model, on the same images: how often they agree on the top-1 class, the acc1 difference with its paired 95% interval and McNemar p, how close their image embeddings are, and the speed-up.</p>
<table><thead><tr><th>model</th><th>dtype vs fp32</th><th>prompt file</th><th class="num">top-1 agreement</th><th class="num">Δacc1 (pts) [95% CI]</th><th class="num">p</th><th class="num">image cosine min / mean</th><th class="num">speed ratio</th></tr></thead>
<tbody>${checks.map(
    (d) =>
      html`<tr><td><b>${d.model}</b></td><td>${d.dtype} vs ${d.reference}</td><td>${d.promptSet}</td><td class="num">${pct(d.top1Agreement)}</td><td class="num">${signedPoints(d.acc1Delta, 1)} ${ci(d.interval)}</td><td class="num">${formatP(d.pValue)}${d.significant ? ' (significant)' : ''}</td><td class="num">${d.imageCosine.min.toFixed(4)} / ${d.imageCosine.mean.toFixed(4)}</td><td class="num">${d.speedRatio === null ? '–' : `${d.speedRatio.toFixed(2)}×`}</td></tr>`,
  )}</tbody></table></section>`;
}
