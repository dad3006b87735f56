import { html, trusted, type SafeHtml } from './html.js';
import type { RunHeader } from './runHeader.js';

/** The HTML pieces both pages use, so a prompt file, a chart or an unreadable image reads the same on either. */

/** Unreadable images listed on the page; the rest are in results.json. */
const MAX_LISTED_ERRORS = 1000;

/** A chart's SVG; a `variant` is one of a group that a select[data-switch] switches between. */
export function figure(name: string, label: string, svg: string, variant?: { group: string; key: string; hidden: boolean }): SafeHtml {
  const attrs =
    variant === undefined
      ? ''
      : html` data-group="${variant.group}" data-variant="${variant.key}"${variant.hidden ? trusted(' hidden') : ''}`;
  return html`<figure class="chart" data-chart="${name}" role="img" aria-label="${label}"${attrs}>${trusted(svg)}</figure>`;
}

/** Colour chip (the file's colour in every chart), name, `note` after it, and the file's path. */
export function promptFileCell(index: number, name: string, file: string, note = ''): SafeHtml {
  return html`<td><span class="chip" data-colour="${index}"></span><b>${name}</b>${note}<div class="file">${file}</div></td>`;
}

/** The templates exactly as written, folded; `rendered` (what they became for one class) goes under them. */
export function templatesCell(templates: readonly string[], truncated: number, rendered?: SafeHtml): SafeHtml {
  return html`<td><details><summary>${templates.length} ${templates.length === 1 ? 'template' : 'templates'}</summary><pre class="templates">${templates.join('\n')}</pre>
${rendered === undefined ? '' : html`${rendered}\n`}${truncated === 0 ? '' : html`<p class="note">${truncated} prompt(s) were cut at the model's context length (the text tower's token limit).</p>`}</details></td>`;
}

export function errorSection(h: Pick<RunHeader, 'errors'>): SafeHtml {
  if (h.errors.length === 0) return html``;
  const listed = h.errors.slice(0, MAX_LISTED_ERRORS);
  return html`<section id="errors"><h2>Unreadable images</h2>
<p class="lead">${h.errors.length} ${h.errors.length === 1 ? 'image' : 'images'} could not be read and ${h.errors.length === 1 ? 'was' : 'were'} left out of every metric.</p>
<ul class="errors">${listed.map((e) => html`<li><code>${e.item}</code>: ${e.reason}</li>`)}</ul>
${h.errors.length > listed.length ? html`<p>… and ${h.errors.length - listed.length} more, listed in results.json.</p>` : ''}
</section>`;
}
