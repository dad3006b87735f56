import { colourOf } from './charts.js';

/** Both pages' stylesheet, inlined. System fonts only: a web font would be a request or 100 kB. */
export const STYLE = `
:root { --ink: #1d2430; --muted: #5b6577; --line: #dfe3ea; --bg: #f6f7f9; --card: #fff; --good: #2e8540; --bad: #c0392b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 48px; }
header.top { background: #1f2a3c; color: #fff; }
header.top .inner { max-width: 1240px; margin: 0 auto; padding: 18px 24px 16px; }
header.top h1 { margin: 0 0 2px; font-size: 22px; font-weight: 650; }
header.top .sub { color: #c5cedd; font-size: 13px; overflow-wrap: anywhere; }
.headline { margin: 12px 0 0; font-size: 17px; font-weight: 600; color: #ffe9a8; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px 18px; margin: 14px 0 0; }
dl.facts div { min-width: 0; }
dl.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: #9fb0c8; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
dl.facts dd.warn { color: #ffb4a8; font-weight: 600; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0 0 8px; font-size: 13px; }
nav.toc a { color: #2c5aa0; text-decoration: none; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px 18px; margin: 16px 0; }
section h2 { margin: 0 0 4px; font-size: 18px; }
p.lead { margin: 0 0 12px; color: var(--muted); max-width: 80ch; }
p.note { margin: 8px 0; padding: 6px 10px; background: #fff6e0; border-left: 3px solid #e0a800; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin: 4px 0 10px; font-size: 13px; }
.controls select { font: inherit; padding: 2px 4px; max-width: 320px; }
figure.chart { margin: 0; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
[hidden] { display: none !important; }
table { border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #f0f8f1; }
.chip { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.file { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
pre.templates { margin: 6px 0 0; padding: 6px 8px; background: #f3f4f7; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; max-height: 240px; overflow: auto; }
details summary { cursor: pointer; color: #2c5aa0; }
.template-set { margin: 14px 0 0; } .template-set table { margin-top: 4px; }
code.template { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
tfoot td { font-weight: 600; border-bottom: none; }
th.sortable { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; } th[aria-sort="descending"]::after { content: " \\25BC"; }
.pair { margin: 14px 0 0; }
.pair h3 { font-size: 14px; margin: 0 0 6px; }
.examples { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px; }
figure.mini { margin: 0; width: 150px; font-size: 11px; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
figure.mini .ok { color: var(--good); } figure.mini .bad { color: var(--bad); }
.thumb { width: 80px; height: 80px; object-fit: contain; image-rendering: pixelated; background: #eef0f3; border-radius: 4px; flex: none; }
.thumb.small { width: 56px; height: 56px; display: block; margin-bottom: 4px; }
.nothumb { display: flex; align-items: center; justify-content: center; color: var(--muted); font-size: 11px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 10px; }
article.card { display: flex; gap: 10px; padding: 8px; border: 1px solid var(--line); border-left: 4px solid var(--good); border-radius: 6px; min-width: 0; }
article.card.wrong { border-left-color: var(--bad); }
.card .body { flex: 1; min-width: 0; }
.id { font-size: 11px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.truth { font-size: 12px; margin: 1px 0 4px; overflow-wrap: anywhere; }
.verdict { font-weight: 600; font-size: 11px; margin-left: 8px; white-space: nowrap; }
.card.right .verdict { color: var(--good); } .card.wrong .verdict { color: var(--bad); }
ol.bars { list-style: none; margin: 0; padding: 0; font-size: 11px; }
ol.bars li { display: grid; grid-template-columns: minmax(0, 1fr) 70px 44px; gap: 6px; align-items: center; }
ol.bars .name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
ol.bars .track { height: 9px; background: #eef0f3; border-radius: 2px; overflow: hidden; }
ol.bars .track i { display: block; height: 100%; background: #9aa5b5; }
ol.bars li.true .track i { background: var(--good); } ol.bars li.true .name { font-weight: 700; color: var(--good); }
ol.bars li.top .track i { background: var(--bad); } ol.bars li.top .name { color: var(--bad); }
ol.bars .p { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
ol.bars li.missing { display: block; color: var(--bad); font-style: italic; }
.legend-inline { font-size: 12px; color: var(--muted); }
.legend-inline b.g { color: var(--good); } .legend-inline b.r { color: var(--bad); }
ul.errors { margin: 6px 0 0; padding-left: 18px; font-size: 13px; } ul.errors code { overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 24px; }
`;

/** What only the retrieval page draws: caption queries with their images, image queries with their captions. */
export const RETRIEVAL_STYLE = `
.query { margin: 10px 0 4px; font-size: 13px; overflow-wrap: anywhere; }
.query q { font-weight: 600; }
.hits { display: flex; flex-wrap: wrap; gap: 8px; }
figure.mini.hit, li.hit { border-color: var(--good); background: #f0f8f1; }
figure.mini .rank { color: var(--muted); } figure.mini .idtext { overflow-wrap: anywhere; }
.i2t { display: flex; gap: 12px; margin: 10px 0; align-items: flex-start; }
ol.captions { margin: 0; padding-left: 22px; font-size: 13px; flex: 1; min-width: 0; }
ol.captions li { padding: 2px 6px; border: 1px solid transparent; border-radius: 4px; overflow-wrap: anywhere; }
.mark { font-weight: 700; color: var(--good); font-size: 11px; margin-left: 6px; white-space: nowrap; }
.ci { color: var(--muted); font-size: 11px; display: block; }
`;

/** Chip colours are keyed by index, so no user text ever reaches CSS. */
export function chipStyles(count: number): string {
  return Array.from({ length: count }, (_, i) => `.chip[data-colour="${i}"]{background:${colourOf(i)}}`).join('');
}
