import { formatP } from '../util/format.js';
import { InputError } from '../errors.js';
import type { Comparison, MetricComparison } from './compare.js';
import { METRICS, type MetricName } from './summary.js';

/** Largest allowed fall per metric, in percentage points; null: the metric is not checked. */
export type MaxDrop = Readonly<Record<MetricName, number | null>>;

/** Any fall fails unless a threshold says otherwise: a baseline is a promise, loosened on purpose. */
export const DEFAULT_MAX_DROP: MaxDrop = { acc1: 0, acc5: 0, mean_per_class_recall: 0 };

export interface CheckSettings {
  readonly maxDrop: MaxDrop;
  /** Fail only on falls that are also significant at ALPHA. */
  readonly requireSignificance: boolean;
}

export type RowStatus = 'pass' | 'fail' | 'off';

export interface CheckedRow extends MetricComparison {
  readonly maxDrop: number | null;
  /** Fell by more than maxDrop; with --require-significance that alone does not fail. */
  readonly exceeded: boolean;
  readonly status: RowStatus;
  readonly reason: string;
}

export interface CheckOutcome {
  readonly comparison: Comparison;
  readonly settings: CheckSettings;
  readonly rows: readonly CheckedRow[];
  readonly passed: boolean;
}

const ALIASES: Readonly<Record<string, MetricName>> = {
  acc1: 'acc1',
  acc5: 'acc5',
  mean_per_class_recall: 'mean_per_class_recall',
  'mean-per-class-recall': 'mean_per_class_recall',
  mpcr: 'mean_per_class_recall',
};

export function metricName(name: string, where: string): MetricName {
  const metric = ALIASES[name.trim()];
  if (!metric) throw new InputError(`${where}: unknown metric "${name}"; known: ${METRICS.join(', ')}`);
  return metric;
}

/** A threshold in points; "off" (or null in JSON) turns the check of that metric off. */
export function dropValue(value: unknown, where: string): number | null {
  if (value === null || value === 'off') return null;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new InputError(`${where}: expected a non-negative number of points (e.g. 0.5) or "off", got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Parses `--max-drop acc1=0.5,acc5=1,mpcr=off`. */
export function parseMaxDrop(text: string): Partial<Record<MetricName, number | null>> {
  const out: Partial<Record<MetricName, number | null>> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name, value, ...rest] = part.split('=');
    if (value === undefined || rest.length > 0)
      throw new InputError(`--max-drop: expected metric=points pairs like acc1=0.5,acc5=1, got "${part}"`);
    out[metricName(name!, '--max-drop')] = dropValue(value.trim(), `--max-drop ${name!.trim()}`);
  }
  return out;
}

/** Tolerance for comparing a fall with its limit: metrics are ratios of counts, not exact decimals. */
const EPSILON_POINTS = 1e-9;

export function evaluateCheck(comparison: Comparison, settings: CheckSettings): CheckOutcome {
  const rows = comparison.rows.map((row) => checkRow(row, settings));
  return { comparison, settings, rows, passed: rows.every((r) => r.status !== 'fail') };
}

function checkRow(row: MetricComparison, settings: CheckSettings): CheckedRow {
  const maxDrop = settings.maxDrop[row.metric];
  const drop = -row.delta * 100;
  const evidence = row.pValue !== null ? `McNemar p = ${formatP(row.pValue)}` : `95% CI ${row.significant ? 'excludes' : 'includes'} 0`;
  if (maxDrop === null) return { ...row, maxDrop, exceeded: false, status: 'off', reason: 'not checked' };
  if (drop <= maxDrop + EPSILON_POINTS) {
    const what =
      drop > EPSILON_POINTS
        ? `fell ${drop.toFixed(2)} pts, within ${maxDrop} allowed`
        : drop < -EPSILON_POINTS
          ? `rose ${(-drop).toFixed(2)} pts`
          : 'unchanged';
    return { ...row, maxDrop, exceeded: false, status: 'pass', reason: what };
  }
  const over = `fell ${drop.toFixed(2)} pts, more than the ${maxDrop} allowed`;
  if (settings.requireSignificance && !row.significant)
    return { ...row, maxDrop, exceeded: true, status: 'pass', reason: `${over}, but not significant (${evidence})` };
  return { ...row, maxDrop, exceeded: true, status: 'fail', reason: `${over} (${evidence})` };
}
