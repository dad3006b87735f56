import path from 'node:path';
import { textTable } from '../util/textTable.js';
import { displayModel } from './comparable.js';
import type { RunSummary } from './summary.js';
import { METRIC_LABELS } from '../metrics/labels.js';
import { escapeMarkdown, formatP, percent, signedPoints } from '../util/format.js';
import type { CheckedRow, CheckOutcome } from './thresholds.js';

const interval = (row: CheckedRow): string => `[${signedPoints(row.interval.lo)}, ${signedPoints(row.interval.hi)}]`;
const pCell = (row: CheckedRow): string => (row.pValue === null ? '-' : formatP(row.pValue));
const discordant = (row: CheckedRow): string => (row.lost === null ? '-' : `${row.lost}/${row.gained}`);
const limit = (row: CheckedRow): string => (row.maxDrop === null ? 'off' : String(row.maxDrop));

/** Paths under the working folder are shown relative to it. */
export function displayFile(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, path.resolve(file));
  return relative.startsWith('..') ? file : relative;
}

function describeRun(run: RunSummary): string {
  const commit = run.origin.commit ? `, commit ${run.origin.commit.slice(0, 7)}` : '';
  return `${displayFile(run.origin.file)} (run ${run.origin.runId}${commit})`;
}

/** The lines above the table: which runs, which model, how many images, which tests. */
export function headerLines(outcome: CheckOutcome): string[] {
  const c = outcome.comparison;
  const model = `${displayModel(c.current.model.id)} (${c.current.model.dtype})`;
  return [
    `baseline  ${describeRun(c.baseline)}`,
    `current   ${describeRun(c.current)}`,
    `model     ${c.modelChange ? `CHANGED (allowed): ${c.modelChange}` : `${model}, same weights as the baseline`}`,
    ...(c.datasetChange ? [`dataset   CHANGED (allowed): ${c.datasetChange}`] : []),
    `images    ${c.pairedItems} paired by id; p: McNemar exact test; 95% CI: paired bootstrap (${c.bootstrap.resamples} resamples, seed ${c.bootstrap.seed})`,
  ];
}

/** Notes below the table: sets not compared, changed prompt files, preprocessing. */
export function noteLines(outcome: CheckOutcome): string[] {
  const c = outcome.comparison;
  return [
    ...(c.missingSets.length > 0 ? [`prompt set(s) in the baseline but not in this run: ${c.missingSets.join(', ')}`] : []),
    ...(c.newSets.length > 0 ? [`new prompt set(s), not in the baseline (not checked): ${c.newSets.join(', ')}`] : []),
    ...c.notes,
  ];
}

export function verdictLines(outcome: CheckOutcome): string[] {
  const failed = outcome.rows.filter((r) => r.status === 'fail');
  const noise = outcome.rows.filter((r) => r.status === 'pass' && r.exceeded);
  const mode = outcome.settings.requireSignificance ? ' and significantly (5%)' : '';
  const list = (rows: readonly CheckedRow[]): string[] => rows.map((r) => `  ${r.promptSet} ${r.metric}: ${r.reason}`);
  const noiseLines = noise.length > 0 ? ['within noise, so not failed:', ...list(noise)] : [];
  if (failed.length === 0) return [`check passed: no metric fell by more than its limit${mode}`, ...noiseLines];
  return [
    `check FAILED: ${failed.length} of ${outcome.rows.length} metric(s) fell by more than the limit${mode}:`,
    ...list(failed),
    ...noiseLines,
  ];
}

export function formatTerminal(outcome: CheckOutcome): string {
  const header = ['prompt set', 'metric', 'baseline', 'current', 'Δ pts', '95% CI (pts)', 'p', 'lost/gained', 'max drop', 'result'];
  const rows = outcome.rows.map((r) => [
    r.promptSet,
    METRIC_LABELS[r.metric],
    percent(r.baseline),
    percent(r.current),
    signedPoints(r.delta),
    interval(r),
    pCell(r),
    discordant(r),
    limit(r),
    r.status.toUpperCase(),
  ]);
  const table = textTable(header, rows, new Set([0, 1, 5, 9]));
  const notes = noteLines(outcome);
  return [
    ...headerLines(outcome),
    '',
    ...table,
    ...(notes.length > 0 ? ['', ...notes.map((n) => `note: ${n}`)] : []),
    '',
    ...verdictLines(outcome),
  ].join('\n');
}

export function formatMarkdown(outcome: CheckOutcome): string {
  const icon = outcome.passed ? '✅' : '❌';
  const header = '| prompt set | metric | baseline | current | Δ (pts) | 95% CI (pts) | McNemar p | lost / gained | max drop | result |';
  const rows = outcome.rows.map(
    (r) =>
      `| ${escapeMarkdown(r.promptSet)} | ${METRIC_LABELS[r.metric]} | ${percent(r.baseline)} | ${percent(r.current)} | ${signedPoints(r.delta)} | ${interval(r)} | ${pCell(r)} | ${discordant(r).replace('/', ' / ')} | ${limit(r)} | ${r.status === 'fail' ? '❌ fail' : r.status === 'pass' ? '✅ pass' : 'off'} |`,
  );
  const notes = noteLines(outcome);
  return [
    `### ${icon} ClipBench check ${outcome.passed ? 'passed' : 'failed'}`,
    '',
    ...headerLines(outcome).map((l) => `- ${escapeMarkdown(l.replace(/^(\w+)\s+/, '$1: '))}`),
    '',
    header,
    '|---|---|--:|--:|--:|---|--:|--:|--:|---|',
    ...rows,
    '',
    ...notes.map((n) => `- note: ${escapeMarkdown(n)}`),
    ...(notes.length > 0 ? [''] : []),
    ...verdictLines(outcome).map((l) => (l.startsWith('  ') ? `- ${escapeMarkdown(l.trim())}` : `\n**${escapeMarkdown(l)}**\n`)),
    '',
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** Machine-readable: proportions as in results.json, plus points where a person reads them. */
export function formatJson(outcome: CheckOutcome): string {
  const c = outcome.comparison;
  const run = (r: RunSummary) => ({
    file: r.origin.file,
    kind: r.origin.kind,
    runId: r.origin.runId,
    createdAt: r.origin.createdAt,
    commit: r.origin.commit,
    model: r.model,
    dataset: r.dataset.name,
  });
  return JSON.stringify(
    {
      passed: outcome.passed,
      settings: { ...outcome.settings, alpha: c.alpha, bootstrap: c.bootstrap },
      baseline: run(c.baseline),
      current: run(c.current),
      pairedItems: c.pairedItems,
      modelChange: c.modelChange,
      datasetChange: c.datasetChange,
      missingSets: c.missingSets,
      newSets: c.newSets,
      notes: c.notes,
      rows: outcome.rows.map((r) => ({ ...r, deltaPoints: r.delta * 100 })),
    },
    null,
    2,
  );
}
