import { pct } from './data.js';
import { html, trusted, type SafeHtml } from './html.js';
import { figure, promptFileCell, templatesCell } from './parts.js';
import { DIRECTIONS, RETRIEVAL_EXAMPLES, type Direction, type RetrievalModel } from './retrievalData.js';

const ARROW: Readonly<Record<Direction, string>> = { image: 'caption → image', text: 'image → caption' };

type Results = RetrievalModel['results'];
type Thumbs = ReadonlyMap<string, string>;

export function recallTable(model: RetrievalModel): SafeHtml {
  const ks = model.results.run.ks;
  const cell = (set: string, d: Direction, k: number): SafeHtml => {
    const v = model.recall.find((x) => x.promptSet === set && x.direction === d && x.k === k);
    return v === undefined
      ? html`<td class="num">–</td>`
      : html`<td class="num">${pct(v.value)}<span class="ci">${pct(v.interval.lo)}–${pct(v.interval.hi)}</span></td>`;
  };
  return html`<section id="prompt-files"><h2>Prompt files</h2>
<p class="lead">Each prompt file wraps every caption (several templates are ensembled); images are embedded once. Under each recall, its 95% Wilson score interval over the queries.</p>
<table><thead><tr><th rowspan="2">prompt file</th><th rowspan="2">templates</th>${DIRECTIONS.map((d) => html`<th class="num" colspan="${ks.length}">${ARROW[d]}</th>`)}</tr>
<tr>${DIRECTIONS.map(() => ks.map((k) => html`<th class="num">R@${k}</th>`))}</tr></thead>
<tbody>${model.results.promptSets.map(
    (set, i) => html`<tr>${promptFileCell(i, set.name, set.file ?? 'captions as they are')}
${templatesCell(set.templates, set.truncatedPrompts.length)}
${DIRECTIONS.map((d) => ks.map((k) => cell(set.name, d, k)))}</tr>`,
  )}</tbody></table></section>`;
}

/** `chart`: the recall@k curves as SVG, null when there is no value to draw. */
export function recallSection(chart: string | null): SafeHtml {
  return html`<section id="recall"><h2>Recall@k</h2>
<p class="lead">Image retrieval (caption → image): the share of captions whose image ranks in the top k of all images. Text retrieval (image → caption): the share of images with at least one of their captions in the top k of all captions.</p>
${chart === null ? html`<p class="note">No recall values to draw.</p>` : figure('retrieval', 'recall at k per prompt file, both ways', chart)}
</section>`;
}

export function examplesSection(results: Results, thumbs: Thumbs, thumbnailNote: string | null): SafeHtml {
  const sets = results.promptSets;
  return html`<section id="examples"><h2>Examples</h2>
<p class="lead">The top 5 results for the first queries each way under the chosen prompt file. <span class="legend-inline"><b class="g">green ✓</b>: a correct result (the caption's own image, or one of the image's own captions).</span></p>
${thumbnailNote === null ? '' : html`<p class="note">${thumbnailNote}</p>`}
<div class="controls"><label>Prompt file: <select data-switch="examples">${sets.map((s, i) => html`<option value="set-${i}">${s.name}</option>`)}</select></label></div>
${sets.map(
  (set, i) => html`<div class="example-set" data-group="examples" data-variant="set-${i}"${i > 0 ? trusted(' hidden') : ''}>
<h3>Caption → image</h3>
${set.examples.captionToImages.slice(0, RETRIEVAL_EXAMPLES).map((q) => captionQuery(results, q, thumbs))}
<h3>Image → caption</h3>
${set.examples.imageToCaptions.slice(0, RETRIEVAL_EXAMPLES).map((q) => imageQuery(results, q, thumbs))}
</div>`,
)}
</section>`;
}

function thumbImg(id: string | undefined, thumbs: Thumbs): SafeHtml {
  const uri = id === undefined ? undefined : thumbs.get(id);
  // The URI is ours (sharp's output, base64); escaping it changes nothing and costs nothing.
  return uri === undefined
    ? html`<div class="thumb nothumb">no image</div>`
    : html`<img class="thumb" width="80" height="80" alt="${id}" src="${uri}">`;
}

function captionQuery(results: Results, q: { caption: number; top: readonly number[] }, thumbs: Thumbs): SafeHtml {
  const caption = results.captions[q.caption];
  return html`<div class="c2i"><p class="query">Caption: <q>${caption?.text ?? '?'}</q></p>
<div class="hits">${q.top.map((imageIndex, rank) => {
    const id = results.images[imageIndex]?.id;
    const hit = caption !== undefined && caption.image === imageIndex;
    return html`<figure class="mini${hit ? ' hit' : ''}"><span class="rank">#${rank + 1}</span>${hit ? html`<span class="mark">✓ its image</span>` : ''}
${thumbImg(id, thumbs)}<figcaption class="idtext">${id ?? '?'}</figcaption></figure>`;
  })}</div></div>`;
}

function imageQuery(results: Results, q: { image: number; top: readonly number[] }, thumbs: Thumbs): SafeHtml {
  const id = results.images[q.image]?.id;
  return html`<div class="i2t"><figure class="mini">${thumbImg(id, thumbs)}<figcaption class="idtext">${id ?? '?'}</figcaption></figure>
<ol class="captions">${q.top.map((c) => {
    const caption = results.captions[c];
    const hit = caption !== undefined && caption.image === q.image;
    return html`<li${hit ? trusted(' class="hit"') : ''}>${caption?.text ?? '?'}${hit ? html`<span class="mark">✓ its caption</span>` : ''}</li>`;
  })}</ol></div>`;
}
