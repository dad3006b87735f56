import Papa from 'papaparse';
import { escapeMarkdown } from '../util/format.js';
import { pct } from './data.js';
import { DIRECTIONS, metricName, type RetrievalModel } from './retrievalData.js';
import { summaryRunLine } from './runHeader.js';

/** summary.md of a retrieval run: the recall table as Markdown a CI job can post. */
export function retrievalSummary(model: RetrievalModel): string {
  const { results, header: h } = model;
  const ks = results.run.ks;
  const header = DIRECTIONS.flatMap((d) => ks.map((k) => `${d === 'image' ? 'caption→image' : 'image→caption'} R@${k}`));
  const rows = results.promptSets.map(
    (s) =>
      `| ${escapeMarkdown(s.name)} | ${s.templates.length} | ${DIRECTIONS.flatMap((d) => ks.map((k) => pct(s.metrics[metricName(d, k)] ?? null, 2))).join(' | ')} |`,
  );
  return `${[
    `### ClipBench retrieval: ${escapeMarkdown(h.dataset)} · ${escapeMarkdown(h.model)} (${escapeMarkdown(h.dtype)})`,
    '',
    `**${escapeMarkdown(model.headline)}**`,
    '',
    `| prompt file | templates | ${header.join(' | ')} |`,
    `| --- | ---: | ${header.map(() => '---:').join(' | ')} |`,
    ...rows,
    '',
    summaryRunLine(h, `${results.images.length} images, ${results.captions.length} captions`),
  ].join('\n')}\n`;
}

/** Same columns as a classification run's metrics.csv; `support` is the number of queries. */
export function retrievalCsv(model: RetrievalModel): string {
  const files = new Map(model.results.promptSets.map((s) => [s.name, s.file ?? '']));
  const rows = model.recall.map((v) => ({
    prompt_set: v.promptSet,
    prompt_file: files.get(v.promptSet) ?? '',
    class: '',
    metric: metricName(v.direction, v.k),
    value: v.value,
    support: v.support,
    ci95_lo: v.interval.lo,
    ci95_hi: v.interval.hi,
  }));
  return `${Papa.unparse(rows, { escapeFormulae: true, newline: '\n', columns: ['prompt_set', 'prompt_file', 'class', 'metric', 'value', 'support', 'ci95_lo', 'ci95_hi'] })}\n`;
}
