import Papa from 'papaparse';
import { escapeMarkdown } from '../util/format.js';
import { METRIC_KEYS, headline, pct } from './data.js';
import { summaryRunLine } from './runHeader.js';
import { METRIC_LABELS, type ReportModel } from './types.js';

/**
 * Markdown that a CI job can post as a comment; every name in it goes through escapeMarkdown.
 * `models`: a run of several models' own table, put before the (model, prompt file) pairs.
 */
export function summaryMarkdown(model: ReportModel, models: readonly string[] = []): string {
  const h = model.header;
  const rows = model.promptSets.map(
    (s) => `| ${escapeMarkdown(s.name)} | ${s.templates.length} | ${METRIC_KEYS.map((k) => pct(s.metrics[k], 2)).join(' | ')} |`,
  );
  const lines = [
    `### ClipBench: ${escapeMarkdown(h.dataset)} · ${escapeMarkdown(h.model)} (${escapeMarkdown(h.dtype)})`,
    '',
    `**${escapeMarkdown(headline(model.promptSets))}**`,
    '',
    ...(models.length === 0 ? [] : [...models, '']),
    `| prompt file | templates | ${METRIC_KEYS.map((k) => METRIC_LABELS[k]).join(' | ')} |`,
    `| --- | ---: | ${METRIC_KEYS.map(() => '---:').join(' | ')} |`,
    ...rows,
    '',
    summaryRunLine(h, `${h.evaluated} images, ${h.classCount} classes`),
  ];
  if (model.disagreements.length > 0) {
    lines.push('', '| prompt files | first right, second wrong | second right, first wrong |', '| --- | ---: | ---: |');
    for (const d of model.disagreements) lines.push(`| ${escapeMarkdown(d.a)} vs ${escapeMarkdown(d.b)} | ${d.aOnly} | ${d.bOnly} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Long format, one number per row, so a spreadsheet or pandas can pivot it any way; the interval
 * columns stay empty where the extras give none (per-class recall, a report built without them).
 * escapeFormulae keeps a class named `=HYPERLINK(...)` from running as a formula in a spreadsheet.
 */
export function metricsCsv(model: ReportModel): string {
  const files = new Map(model.promptSets.map((s) => [s.name, s.file]));
  const overall = model.metrics.map((m) => ({
    prompt_set: m.promptSet,
    prompt_file: files.get(m.promptSet) ?? '',
    class: '',
    metric: m.metric,
    value: m.value,
    support: model.header.evaluated,
    ci95_lo: m.interval?.lo ?? '',
    ci95_hi: m.interval?.hi ?? '',
  }));
  const perClass = model.classRecall.map((r) => ({
    prompt_set: r.promptSet,
    prompt_file: files.get(r.promptSet) ?? '',
    class: r.label,
    metric: 'recall',
    value: r.recall ?? '',
    support: r.support,
    ci95_lo: '',
    ci95_hi: '',
  }));
  return `${Papa.unparse([...overall, ...perClass], { escapeFormulae: true, newline: '\n' })}\n`;
}
