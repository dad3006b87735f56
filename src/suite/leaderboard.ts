import Papa from 'papaparse';
import { escapeMarkdown, percent } from '../util/format.js';
import type { SuiteResult } from '../results/suiteSchema.js';

/** Long format, one number per row: model, dataset, task, prompt set, metric, value (a spreadsheet pivots it). */
export function leaderboardCsv(result: SuiteResult): string {
  const rows = result.datasets.flatMap((d) =>
    d.cells.flatMap((c) =>
      [...Object.entries(c.metrics), ['score', c.score] as const].map(([metric, value]) => ({
        model: c.model,
        dataset: d.name,
        task: d.task,
        prompt_set: c.promptSet,
        metric,
        value: value ?? '',
      })),
    ),
  );
  const means = result.means.flatMap((m) =>
    (['classification', 'retrieval'] as const).flatMap((task) =>
      m[task] === null ? [] : [{ model: m.model, dataset: '(mean)', task, prompt_set: '', metric: 'score', value: m[task] }],
    ),
  );
  return `${Papa.unparse([...rows, ...means], { escapeFormulae: true, newline: '\n' })}\n`;
}

/** One row per model, one column per dataset (its main score), then the means: what a CI job posts. */
export function leaderboardMarkdown(result: SuiteResult): string {
  const header = [
    'model',
    ...result.datasets.map((d) => `${escapeMarkdown(d.name)} (${d.task === 'retrieval' ? 'R@5' : 'acc1'})`),
    ...meanHeaders(result),
  ];
  const rows = result.models.map((model) => [
    escapeMarkdown(model),
    ...result.datasets.map((d) => percent(d.cells.find((c) => c.model === model)?.score, { missing: '–' })),
    ...meanCells(result, model),
  ]);
  return [
    `# ${escapeMarkdown(result.name)}`,
    '',
    `| ${header.join(' | ')} |`,
    `| --- |${' ---: |'.repeat(header.length - 1)}`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    "acc1 on the dataset's first prompt file; R@5: the mean of image and text retrieval recall@5. Each dataset's run folder holds its full report.",
    '',
  ].join('\n');
}

export function meanHeaders(result: SuiteResult): string[] {
  return [
    ...(result.datasets.some((d) => d.task === 'classification') ? ['mean acc1'] : []),
    ...(result.datasets.some((d) => d.task === 'retrieval') ? ['mean R@5'] : []),
  ];
}

export function meanCells(result: SuiteResult, model: string): string[] {
  const means = result.means.find((m) => m.model === model);
  return [
    ...(result.datasets.some((d) => d.task === 'classification') ? [percent(means?.classification, { missing: '–' })] : []),
    ...(result.datasets.some((d) => d.task === 'retrieval') ? [percent(means?.retrieval, { missing: '–' })] : []),
  ];
}
