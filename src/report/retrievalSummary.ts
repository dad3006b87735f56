import Papa from 'papaparse';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import { pct } from './data.js';
import { DIRECTIONS, metricName, retrievalHeadline, type RecallValue } from './retrieval.js';
import { escapeMarkdown } from '../util/format.js';

/** summary.md of a retrieval run: the recall table as Markdown a CI job can post. */
export function retrievalSummary(results: RetrievalResults): string {
  const { run } = results;
  const ks = run.ks;
  const header = DIRECTIONS.flatMap((d) => ks.map((k) => `${d === 'image' ? 'caption→image' : 'image→caption'} R@${k}`));
  const rows = results.promptSets.map(
    (s) => `| ${escapeMarkdown(s.name)} | ${s.templates.length} | ${DIRECTIONS.flatMap((d) => ks.map((k) => pct(s.metrics[metricName(d, k)] ?? null, 2))).join(' | ')} |`,
  );
  return `${[
    `### ClipBench retrieval: ${escapeMarkdown(run.dataset.name)} · ${escapeMarkdown(run.model.id)} (${escapeMarkdown(run.model.dtype)})`,
    '',
    `**${escapeMarkdown(retrievalHeadline(results))}**`,
    '',
    `| prompt file | templates | ${header.join(' | ')} |`,
    `| --- | ---: | ${header.map(() => '---:').join(' | ')} |`,
    ...rows,
    '',
    `${results.images.length} images, ${results.captions.length} captions` +
      (results.errors.length > 0 ? `, ${results.errors.length} unreadable (left out)` : '') +
      ` · run ${escapeMarkdown(run.id)} · ${(run.durationMs / 1000).toFixed(1)} s · ClipBench ${escapeMarkdown(run.toolVersion)}`,
  ].join('\n')}\n`;
}

/** Same columns as a classification run's metrics.csv; `support` is the number of queries. */
export function retrievalCsv(results: RetrievalResults, values: readonly RecallValue[]): string {
  const files = new Map(results.promptSets.map((s) => [s.name, s.file ?? '']));
  const rows = values.map((v) => ({
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
