import path from 'node:path';
import type { ClassificationDataset, ImageCollection } from '../datasets/index.js';
import { html, type SafeHtml } from '../report/html.js';
import { STYLE } from '../report/style.js';
import { makeThumbnails } from '../report/thumbnails.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import type { LabelOutput } from './label.js';
import type { LabelSummary, Shown } from './review.js';

/** Unreadable images listed on the page; errors.csv has them all. */
const ERRORS_SHOWN = 50;

/**
 * index.html beside the labels: per label its count, its most confident images and the least
 * confident ones to review, with thumbnails as data: URIs so the page is one file. No script.
 * Every image id, class name and error goes through `html`, which escapes it.
 */
export async function writeLabelPage(runDir: string, collection: ImageCollection, output: Omit<LabelOutput, 'files'>): Promise<string> {
  const shown = output.summaries.flatMap((s) => [...s.confident, ...s.review]);
  const thumbnails = await makeThumbnails(
    { dataset: thumbnailView(collection, shown) },
    [...new Set(shown.map((s) => s.image))],
    'examples',
  );
  const thumb = (image: string): SafeHtml => {
    const uri = thumbnails.byId.get(image);
    return uri === undefined ? html`<div class="thumb small nothumb">no image</div>` : html`<img class="thumb small" alt="" src="${uri}">`;
  };
  const labelled = output.summaries.reduce((n, s) => n + s.count, 0);
  const uncertain = output.summaries.reduce((n, s) => n + s.uncertain, 0);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bench label: ${output.collection.name}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top"><div class="inner">
<h1>bench label</h1>
<div class="sub">${output.collection.root}</div>
<dl class="facts">
<div><dt>images</dt><dd>${output.imageCount}</dd></div>
<div><dt>labelled</dt><dd>${labelled}</dd></div>
<div><dt>uncertain</dt><dd>${uncertain}</dd></div>
<div><dt>unreadable</dt><dd class="${output.errors.length > 0 ? 'warn' : ''}">${output.errors.length}</dd></div>
<div><dt>classes</dt><dd>${output.classNames.length}</dd></div>
</dl>
</div></header>
<main>
<section><h2>Labels</h2>
<p class="lead">Images per label, and how many of them are marked uncertain. labels.csv and labels.jsonl hold every image.</p>
<table><thead><tr><th>label</th><th class="num">images</th><th class="num">uncertain</th></tr></thead><tbody>
${output.summaries.map((s) => html`<tr><td><a href="#${anchor(s)}">${s.label}</a></td><td class="num">${s.count}</td><td class="num">${s.uncertain}</td></tr>`)}
</tbody></table>
${thumbnails.note === null ? '' : html`<p class="note">${thumbnails.note}</p>`}
</section>
${output.summaries.filter((s) => s.count > 0).map((s) => labelSection(s, thumb))}
${output.errors.length === 0 ? '' : errorSection(output.errors)}
</main>
</body>
</html>
`;
  const file = path.join(runDir, 'index.html');
  await writeFileAtomically(file, page.value);
  return file;
}

function labelSection(s: LabelSummary, thumb: (image: string) => SafeHtml): SafeHtml {
  const figures = (list: readonly Shown[]): SafeHtml[] =>
    list.map(
      (e) => html`<figure class="mini">${thumb(e.image)}<div class="id" title="${e.image}">${e.image}</div>
<div class="${e.uncertain ? 'bad' : 'ok'}">${(e.prob * 100).toFixed(1)}%${e.uncertain ? ' uncertain' : ''}</div></figure>`,
    );
  return html`<section id="${anchor(s)}"><h2>${s.label}</h2>
<p class="lead">${s.count} image(s), ${s.uncertain} uncertain.</p>
<h3>Most confident</h3><div class="examples">${figures(s.confident)}</div>
<h3>Least confident: review these</h3><div class="examples">${figures(s.review)}</div>
</section>`;
}

function errorSection(errors: LabelOutput['errors']): SafeHtml {
  return html`<section id="errors"><h2>Unreadable images</h2>
<p class="lead">${errors.length} image(s) could not be read and have no label${errors.length > ERRORS_SHOWN ? html`; the first ${ERRORS_SHOWN} are listed, errors.csv has them all` : ''}.</p>
<ul class="errors">${errors.slice(0, ERRORS_SHOWN).map((e) => html`<li><code>${e.item}</code>: ${e.reason}</li>`)}</ul>
</section>`;
}

/** An id for a label's section that no class name can break out of (escaping covers the rest). */
function anchor(s: LabelSummary): string {
  return `label-${encodeURIComponent(s.label)}`;
}

/** Only the shown images, as the dataset makeThumbnails reads sources from. */
function thumbnailView(collection: ImageCollection, shown: readonly Shown[]): ClassificationDataset {
  const indices = [...new Set(shown.map((s) => s.index))];
  return {
    task: 'classification',
    name: collection.name,
    format: 'folder',
    root: collection.root,
    classNames: [],
    items: indices.map((i) => ({ ...collection.images[i]!, label: 0 })),
  };
}
