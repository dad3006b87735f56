import { InputError } from '../errors.js';
import { METRICS, type MetricName, type RunSummary, type SetSummary } from './summary.js';

export const BASELINE_KIND = 'clipbench-baseline';
export const BASELINE_VERSION = 1;

/**
 * The committed baseline: a run's identity, settings and metrics, and per-item correctness as one
 * "0"/"1" character per item (in `items` order) — enough for paired tests, small enough for git,
 * and with one item per line so a change of data set shows up as a readable diff.
 */
export interface BaselineFile {
  readonly kind: typeof BASELINE_KIND;
  readonly baselineVersion: typeof BASELINE_VERSION;
  readonly savedAt: string;
  readonly run: { readonly id: string; readonly createdAt: string; readonly toolVersion: string; readonly commit: string | null };
  readonly model: RunSummary['model'];
  readonly preprocess: RunSummary['preprocess'];
  readonly dataset: RunSummary['dataset'];
  readonly promptSets: readonly {
    readonly name: string;
    readonly file: string;
    readonly templates: readonly string[];
    readonly metrics: Readonly<Record<MetricName, number | null>>;
    readonly top1: string;
    readonly top5: string | null;
  }[];
  readonly errors: RunSummary['errors'];
  readonly items: RunSummary['items'];
}

export function toBaselineFile(summary: RunSummary, savedAt = new Date()): BaselineFile {
  const bits = (values: Uint8Array): string => Array.from(values, (v) => (v ? '1' : '0')).join('');
  return {
    kind: BASELINE_KIND,
    baselineVersion: BASELINE_VERSION,
    savedAt: savedAt.toISOString(),
    run: { id: summary.origin.runId, createdAt: summary.origin.createdAt, toolVersion: summary.toolVersion, commit: summary.origin.commit },
    model: summary.model,
    preprocess: summary.preprocess,
    dataset: summary.dataset,
    promptSets: summary.promptSets.map((set) => ({
      name: set.name,
      file: set.file,
      templates: set.templates,
      metrics: set.metrics,
      top1: bits(set.top1),
      top5: set.top5 ? bits(set.top5) : null,
    })),
    errors: summary.errors,
    items: summary.items,
  };
}

/** Pretty JSON, except `items`: one compact object per line. */
export function serializeBaseline(baseline: BaselineFile): string {
  const { items, ...head } = baseline;
  const headJson = JSON.stringify(head, null, 2);
  const itemLines = items.length === 0 ? '[]' : `[\n${items.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`;
  return `${headJson.slice(0, -2)},\n  "items": ${itemLines}\n}\n`;
}

export function isBaselineJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === BASELINE_KIND;
}

/** Checks the shape of a parsed baseline file and turns it into a RunSummary. */
export function baselineToSummary(value: unknown, file: string): RunSummary {
  const b = value as BaselineFile;
  const fail = (what: string): never => {
    throw new InputError(`${file}: not a valid ClipBench baseline (${what}); write one with \`bench baseline save\``);
  };
  if (b.baselineVersion !== BASELINE_VERSION) fail(`baselineVersion ${JSON.stringify(b.baselineVersion)}, this version reads ${BASELINE_VERSION}`);
  if (!b.run || !b.model || !b.dataset || !b.preprocess) fail('missing run, model, dataset or preprocess');
  if (!Array.isArray(b.items) || !b.items.every((i) => typeof i?.id === 'string' && typeof i.label === 'string')) fail('items must be [{id, label}]');
  if (!Array.isArray(b.promptSets)) fail('promptSets must be a list');
  const bits = (s: unknown, where: string): Uint8Array => {
    if (typeof s !== 'string' || s.length !== b.items.length || /[^01]/.test(s)) fail(`${where} must be ${b.items.length} characters of 0 and 1`);
    return Uint8Array.from(s as string, (ch) => (ch === '1' ? 1 : 0));
  };
  const promptSets: SetSummary[] = b.promptSets.map((set, s) => {
    if (typeof set?.name !== 'string') fail(`promptSets[${s}].name missing`);
    for (const metric of METRICS) {
      const v = set.metrics?.[metric];
      if (!(v === null || typeof v === 'number')) fail(`promptSets[${s}].metrics.${metric} must be a number or null`);
    }
    return {
      name: set.name,
      file: String(set.file ?? ''),
      templates: Array.isArray(set.templates) ? set.templates : [],
      metrics: set.metrics,
      top1: bits(set.top1, `promptSets[${s}].top1`),
      top5: set.top5 === null ? null : bits(set.top5, `promptSets[${s}].top5`),
    };
  });
  return {
    origin: { file, kind: 'baseline', runId: String(b.run.id), createdAt: String(b.run.createdAt), commit: b.run.commit ?? null },
    toolVersion: String(b.run.toolVersion),
    model: b.model,
    preprocess: b.preprocess,
    dataset: b.dataset,
    promptSets,
    items: b.items,
    errors: Array.isArray(b.errors) ? b.errors : [],
  };
}
