import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Contender, Selection } from '../results/selectionSchema.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import { formatP, percent, signedPoints } from '../util/format.js';
import { inProcessRenderer, type ChartRenderer } from './chartRenderer.js';
import { CONFIG } from './charts.js';
import { renderDocument, runFacts } from './document.js';
import { html, trusted, type SafeHtml } from './html.js';
import { errorSection, figure } from './parts.js';
import { runHeader } from './runHeader.js';

const NAMES: Record<Contender['name'], string> = { selected: 'selected ensemble', pool: 'whole pool', bestSingle: 'best single template' };

/** Writes index.html of a `bench select` run folder; returns its path. */
export async function writeSelectionReport(
  selection: Selection,
  runDir: string,
  renderer: ChartRenderer = inProcessRenderer,
): Promise<string> {
  const file = path.join(runDir, 'index.html');
  await writeFileAtomically(file, await renderSelectionPage(selection, renderer));
  return file;
}

/** The page of a selection: the held-out verdict first, then accuracy against ensemble size, then the greedy path. */
export async function renderSelectionPage(s: Selection, renderer: ChartRenderer = inProcessRenderer): Promise<string> {
  const header = runHeader(s);
  const chart = await renderer.render(pathChart(s), 'selection-path');
  const held = (name: Contender['name']) => s.contenders.find((c) => c.name === name)!;
  const selected = held('selected');
  return renderDocument({
    header,
    title: `ClipBench · select · ${s.run.pool.name} · ${header.dataset}`,
    style: '.step-selected td:first-child{font-weight:600}.dim{color:#666}',
    heading: 'Which templates to ship?',
    sub: `${s.run.pool.name} · ${s.run.pool.templates.length} templates · ${header.dataset} · ${header.model}`,
    headline:
      `Selected ${selected.lines.length} of ${s.run.pool.templates.length} templates: held-out acc1 ${percent(selected.heldOut.acc1)} ` +
      `(whole pool ${percent(held('pool').heldOut.acc1)}, best single template ${percent(held('bestSingle').heldOut.acc1)}).`,
    facts: runFacts(header, [
      ['pool', `${s.run.pool.file} (${s.run.pool.ensemble} ensemble)`],
      [
        'split',
        `${s.run.split.selection} images to select on, ${s.run.split.heldOut} held out (${s.run.heldOutShare} of each class, seed ${s.run.seed})`,
      ],
      ['selected file', s.selectedFile],
    ]),
    toc: [
      ['verdict', 'Held-out verdict'],
      ['size', 'Accuracy vs ensemble size'],
      ['path', 'Greedy order'],
      ...(s.errors.length > 0 ? ([['errors', 'Unreadable images']] as [string, string][]) : []),
    ],
    sections: [verdictSection(s), sizeSection(chart), pathSection(s), errorSection(header)],
  });
}

function verdictSection(s: Selection): SafeHtml {
  const row = (c: Contender): SafeHtml => {
    const vs = s.contrasts.find((x) => x.against === c.name);
    return html`<tr><td><b>${NAMES[c.name]}</b><div class="file">${linesNote(c)}</div></td>
<td class="num">${percent(c.heldOut.acc1)}</td><td class="num">${percent(c.heldOut.acc5)}</td><td class="num">${percent(c.heldOut.mean_per_class_recall)}</td>
<td class="num dim">${percent(c.selection.acc1)}</td>
<td class="num">${vs === undefined ? '' : `${signedPoints(vs.delta)} [${signedPoints(vs.interval.lo)}, ${signedPoints(vs.interval.hi)}]`}</td>
<td class="num">${vs === undefined ? '' : `${formatP(vs.pValue)}${vs.significant ? '' : ' (within noise)'}`}</td></tr>`;
  };
  return html`<section id="verdict"><h2>Held-out verdict</h2>
<p class="lead">Scored on the ${s.run.split.heldOut} held-out images, which the selection never saw: these are the results. The selection-half column is what the choice was made on and flatters the selected ensemble. Differences are the selected ensemble minus each other, paired on the same images (bootstrap 95% interval, McNemar's exact test).</p>
<table><thead><tr><th>held out</th><th class="num">acc1</th><th class="num">acc5</th><th class="num">mean per-class recall</th><th class="num">selection-half acc1</th><th class="num">selected − this, pts</th><th class="num">McNemar p</th></tr></thead>
<tbody>${s.contenders.map(row)}</tbody></table></section>`;
}

function sizeSection(chart: string): SafeHtml {
  return html`<section id="size"><h2>Accuracy vs ensemble size</h2>
<p class="lead">acc1 of the first n templates in greedy order, on the half they were chosen on and on the held-out half; the rule marks where the selection stopped. The last point is the whole pool.</p>
${figure('selection-path', 'acc1 against ensemble size on both halves', chart)}</section>`;
}

function pathSection(s: Selection): SafeHtml {
  return html`<section id="path"><h2>Greedy order</h2>
<p class="lead">Each step adds the template that raised selection-half acc1 most (ties: the earlier line). Templates are shown as written.</p>
<table><thead><tr><th class="num">step</th><th class="num">line</th><th>template</th><th class="num">selection acc1</th><th class="num">held-out acc1</th></tr></thead>
<tbody>${s.path.map(
    (p, i) =>
      html`<tr${p.selected ? trusted(' class="step-selected"') : ''}><td class="num">${i + 1}${p.selected ? ' ✓' : ''}</td><td class="num">${p.line}</td><td><code>${p.template}</code></td><td class="num">${percent(p.selectionAcc1)}</td><td class="num">${percent(p.heldOutAcc1)}</td></tr>`,
  )}</tbody></table></section>`;
}

function pathChart(s: Selection): TopLevelSpec {
  const values = s.path.flatMap((p, i) => [
    { size: i + 1, half: 'selection half', acc1: p.selectionAcc1 },
    { size: i + 1, half: 'held-out half', acc1: p.heldOutAcc1 },
  ]);
  const selected = s.path.filter((p) => p.selected).length;
  return {
    config: CONFIG,
    width: 520,
    height: 240,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'size', type: 'quantitative', title: 'templates in the ensemble', axis: { tickMinStep: 1 } },
          y: { field: 'acc1', type: 'quantitative', title: 'acc1', scale: { zero: false }, axis: { format: '.1%' } },
          color: { field: 'half', type: 'nominal', title: null, sort: ['selection half', 'held-out half'] },
        },
      },
      {
        data: { values: [{ size: selected }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
        encoding: { x: { field: 'size', type: 'quantitative' } },
      },
    ],
  };
}

function linesNote(c: Contender): string {
  if (c.name === 'pool') return `all ${c.lines.length} templates`;
  return `${c.lines.length === 1 ? 'line' : 'lines'} ${c.lines.join(', ')}`;
}
