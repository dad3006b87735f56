import type { Dataset } from '../datasets/types.js';
import { html } from '../report/html.js';
import { makeThumbnails } from '../report/thumbnails.js';
import type { SearchHit } from './types.js';

/** One self-contained page: thumbnails are data: URIs and every text goes through the escaping `html` tag. */
export async function searchGallery(query: string, hits: readonly SearchHit[], dataset: Dataset | undefined): Promise<string> {
  const images = dataset === undefined ? { none: 'no --images was given' } : { dataset };
  const thumbs = await makeThumbnails(images, [...new Set(hits.map((h) => h.id))], 'gallery');
  const cards = hits.map((h, i) => {
    const uri = thumbs.byId.get(h.id);
    return html`<figure>${uri ? html`<img src="${uri}" alt="${h.id}">` : html`<div class="none"></div>`}<figcaption>${i + 1}. ${h.id}<br>${h.score.toFixed(4)}</figcaption></figure>`;
  });
  const style =
    'body{font-family:system-ui,sans-serif;margin:1.5rem}main{display:flex;flex-wrap:wrap;gap:.75rem}' +
    'figure{margin:0;width:120px;font-size:.75rem;word-break:break-all}img,.none{width:80px;height:80px;object-fit:contain;background:#eee}';
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bench search: ${query}</title><style>${style}</style></head>
<body><h1>${query}</h1>${thumbs.note === null ? '' : html`<p>${thumbs.note}</p>`}<main>${cards}</main></body></html>
`;
  return page.toString();
}
