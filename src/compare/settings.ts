import path from 'node:path';
import { readConfigSection } from '../config/config.js';
import { InputError } from '../errors.js';
import { DEFAULT_BOOTSTRAP, MIN_RESAMPLES, type BootstrapSettings } from './bootstrap.js';
import { METRICS, type MetricName } from './summary.js';
import { DEFAULT_MAX_DROP, dropValue, metricName, parseMaxDrop, type CheckSettings, type MaxDrop } from './thresholds.js';

/** The flags `bench compare` and `bench check` share; undefined: not given. */
export interface ComparisonFlags {
  readonly maxDrop?: string;
  readonly requireSignificance?: boolean;
  readonly allowModelChange?: boolean;
  readonly resamples?: number;
  readonly seed?: number;
  readonly config?: string;
}

export interface ComparisonSettings {
  readonly check: CheckSettings;
  readonly allowModelChange: boolean;
  readonly bootstrap: BootstrapSettings;
  /** `check.baseline` from the config file, resolved against the file's folder. */
  readonly baseline: string | null;
}

const KEYS = ['baseline', 'maxDrop', 'requireSignificance', 'allowModelChange', 'resamples', 'seed'];

/** Built-in defaults ← the `check` section of bench.config.json ← flags, metric by metric for maxDrop. */
export function resolveComparisonSettings(cwd: string, flags: ComparisonFlags): ComparisonSettings {
  const section = readConfigSection(cwd, 'check', flags.config);
  const fromFile = section ? validateSection(section.value, section.file) : {};
  const where = section ? `${section.file} check` : '';
  const maxDrop: MaxDrop = { ...DEFAULT_MAX_DROP, ...fromFile.maxDrop, ...(flags.maxDrop !== undefined ? parseMaxDrop(flags.maxDrop) : {}) };
  const resamples = flags.resamples ?? fromFile.resamples ?? DEFAULT_BOOTSTRAP.resamples;
  if (resamples < MIN_RESAMPLES) throw new InputError(`${flags.resamples !== undefined ? '--resamples' : `${where}.resamples`}: at least ${MIN_RESAMPLES} resamples, got ${resamples}`);
  return {
    check: { maxDrop, requireSignificance: flags.requireSignificance ?? fromFile.requireSignificance ?? false },
    allowModelChange: flags.allowModelChange ?? fromFile.allowModelChange ?? false,
    bootstrap: { ...DEFAULT_BOOTSTRAP, resamples, seed: flags.seed ?? fromFile.seed ?? DEFAULT_BOOTSTRAP.seed },
    baseline: fromFile.baseline && section ? path.resolve(path.dirname(section.file), fromFile.baseline) : null,
  };
}

interface SectionValues {
  baseline?: string;
  maxDrop?: Partial<Record<MetricName, number | null>>;
  requireSignificance?: boolean;
  allowModelChange?: boolean;
  resamples?: number;
  seed?: number;
}

function validateSection(value: unknown, file: string): SectionValues {
  const where = (key: string): string => `${file}: check.${key}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`${file}: "check" must be an object (see README, "Regression tracking in CI")`);
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => !KEYS.includes(k) && !k.startsWith('$'));
  if (unknown.length > 0) throw new InputError(`${file}: unknown check setting ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${KEYS.join(', ')}`);
  const out: SectionValues = {};
  if (v.baseline !== undefined) out.baseline = typed(v.baseline, 'string', where('baseline'));
  if (v.requireSignificance !== undefined) out.requireSignificance = typed(v.requireSignificance, 'boolean', where('requireSignificance'));
  if (v.allowModelChange !== undefined) out.allowModelChange = typed(v.allowModelChange, 'boolean', where('allowModelChange'));
  if (v.resamples !== undefined) out.resamples = wholeNumber(v.resamples, where('resamples'));
  if (v.seed !== undefined) out.seed = wholeNumber(v.seed, where('seed'));
  if (v.maxDrop !== undefined) out.maxDrop = maxDropObject(v.maxDrop, where('maxDrop'));
  return out;
}

function typed<T extends 'string' | 'boolean'>(value: unknown, type: T, where: string): T extends 'string' ? string : boolean {
  if (typeof value !== type) throw new InputError(`${where}: expected a ${type}, got ${JSON.stringify(value)}`);
  return value as T extends 'string' ? string : boolean;
}

function wholeNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InputError(`${where}: expected a non-negative whole number, got ${JSON.stringify(value)}`);
  return value;
}

function maxDropObject(value: unknown, where: string): Partial<Record<MetricName, number | null>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: expected an object of points per metric, e.g. {"acc1": 0.5, "acc5": 1}; metrics: ${METRICS.join(', ')}`);
  }
  return Object.fromEntries(Object.entries(value).map(([name, points]) => [metricName(name, where), dropValue(points, `${where}.${name}`)]));
}
