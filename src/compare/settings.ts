import path from 'node:path';
import { readConfigSection } from '../config/config.js';
import { InputError } from '../errors.js';
import { checkJson } from '../util/json.js';
import { DEFAULT_BOOTSTRAP, MIN_RESAMPLES, type BootstrapSettings } from '../stats/index.js';
import { checkSectionSchema, type CheckSection } from './settingsSchema.js';
import type { MetricName } from './summary.js';
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

/** Built-in defaults ← the `check` section of bench.config.json ← flags, metric by metric for maxDrop. */
export function resolveComparisonSettings(cwd: string, flags: ComparisonFlags): ComparisonSettings {
  const section = readConfigSection(cwd, 'check', flags.config);
  const fromFile = section ? validateSection(section.value, section.file) : {};
  const where = section ? `${section.file}: check` : '';
  const maxDrop: MaxDrop = {
    ...DEFAULT_MAX_DROP,
    ...fromFile.maxDrop,
    ...(flags.maxDrop !== undefined ? parseMaxDrop(flags.maxDrop) : {}),
  };
  const resamples = flags.resamples ?? fromFile.resamples ?? DEFAULT_BOOTSTRAP.resamples;
  if (resamples < MIN_RESAMPLES)
    throw new InputError(
      `${flags.resamples !== undefined ? '--resamples' : `${where}.resamples`}: at least ${MIN_RESAMPLES} resamples, got ${resamples}`,
    );
  return {
    check: { maxDrop, requireSignificance: flags.requireSignificance ?? fromFile.requireSignificance ?? false },
    allowModelChange: flags.allowModelChange ?? fromFile.allowModelChange ?? false,
    bootstrap: { ...DEFAULT_BOOTSTRAP, resamples, seed: flags.seed ?? fromFile.seed ?? DEFAULT_BOOTSTRAP.seed },
    baseline: fromFile.baseline && section ? path.resolve(path.dirname(section.file), fromFile.baseline) : null,
  };
}

type SectionValues = Omit<CheckSection, 'maxDrop'> & { readonly maxDrop?: Partial<Record<MetricName, number | null>> };

function validateSection(value: unknown, file: string): SectionValues {
  const { maxDrop, ...rest } = checkJson(value, checkSectionSchema, file, { path: ['check'] });
  if (maxDrop === undefined) return rest;
  const where = `${file}: check.maxDrop`;
  return {
    ...rest,
    maxDrop: Object.fromEntries(
      Object.entries(maxDrop).map(([name, points]) => [metricName(name, where), dropValue(points, `${where}.${name}`)]),
    ),
  };
}
