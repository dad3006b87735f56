import { html, trusted } from '../report/html.js';
import { STYLE } from '../report/style.js';
import { percent } from '../util/format.js';
import { meanCells, meanHeaders } from './leaderboard.js';
import type { SuiteResult } from '../results/suiteSchema.js';

/**
 * The leaderboard as one self-contained page: models × datasets, each cell linking to the report
 * of that dataset's run (relative links, so the suite folder can be moved or archived whole). No
 * script, no request to any host; every name is escaped.
 */
export function leaderboardPage(result: SuiteResult): string {
  const best = new Map(result.datasets.map((d) => [d.name, Math.max(...d.cells.map((c) => c.score))]));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ClipBench ${result.toolVersion}">
<title>ClipBench suite · ${result.name}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="top"><div class="inner">
<h1>${result.name}</h1>
<div class="sub">${result.models.length} models × ${result.datasets.length} datasets · ${new Date(result.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC · ${(result.durationMs / 1000).toFixed(1)} s · ClipBench ${result.toolVersion}</div>
</div></header>
<main>
<section id="leaderboard"><h2>Leaderboard</h2>
<p class="lead">acc1 on each classification dataset's first prompt file; R@5 is the mean of image and text retrieval recall@5. The best model on each dataset is in bold; a cell opens that dataset's report.</p>
<table><thead><tr><th>model</th>${result.datasets.map((d) => html`<th class="num">${d.name}<div class="file">${d.task === 'retrieval' ? 'R@5' : 'acc1'}</div></th>`)}${meanHeaders(result).map((h) => html`<th class="num">${h}</th>`)}</tr></thead>
<tbody>${result.models.map(
    (model) =>
      html`<tr><td><b>${model}</b></td>${result.datasets.map((d) => {
        const cell = d.cells.find((c) => c.model === model);
        if (cell === undefined) return html`<td class="num">–</td>`;
        const text = percent(cell.score);
        return html`<td class="num"><a href="${cell.report}">${cell.score === best.get(d.name) ? html`<b>${text}</b>` : text}</a></td>`;
      })}${meanCells(result, model).map((m) => html`<td class="num">${m}</td>`)}</tr>`,
  )}</tbody></table>
</section>
<footer>Built by ClipBench ${result.toolVersion} from ${result.file}. Self-contained: no network requests; the cells link to the run reports beside this file.</footer>
</main>
</body>
</html>
`.value;
}
