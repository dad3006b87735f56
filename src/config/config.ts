import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultCacheDir } from '../cache/location.js';
import { InputError } from '../errors.js';
import type { ModelDtype } from '../model/source.js';
import type { PreprocessMode } from '../model/types.js';
import { PACKAGE_ROOT } from '../version.js';

/** Everything `bench run` needs to know, after defaults, bench.config.json and flags are merged. */
export interface RunConfig {
  readonly model: string;
  readonly dataset: string;
  readonly datasetsDir: string;
  readonly dtype: ModelDtype;
  readonly preprocess: PreprocessMode;
  readonly limit: number | null;
  readonly perClass: number | null;
  readonly seed: number;
  readonly batchSize: number;
  readonly threads: number;
  readonly out: string;
  readonly strict: boolean;
  /** Embedding cache folder; `cache: false` (--no-cache) bypasses it. */
  readonly cacheDir: string;
  readonly cache: boolean;
  /** Expected task; null: whatever the dataset holds. */
  readonly task: 'classification' | 'retrieval' | null;
  /** Images folder of a caption file (COCO, Karpathy, pairs). */
  readonly images: string | null;
  /** IDX split (test/train) or Karpathy split (test/val/train/restval). */
  readonly split: string | null;
  /** The k of recall@k for retrieval. */
  readonly recallK: readonly number[];
}

export const CONFIG_FILE = 'bench.config.json';

const DTYPES: readonly ModelDtype[] = ['fp32', 'fp16', 'q8'];
const MODES: readonly PreprocessMode[] = ['clip', 'hf'];

/** The built-in defaults: the bundled model and data, so a bare `bench run` works offline. */
export function builtinDefaults(cwd: string): RunConfig {
  const localDatasets = path.join(cwd, 'datasets');
  return {
    model: path.join(PACKAGE_ROOT, 'models/fashion-clip-mini'),
    dataset: path.join(PACKAGE_ROOT, 'datasets/fashion-mnist-1k'),
    datasetsDir: existsSync(localDatasets) ? localDatasets : path.join(PACKAGE_ROOT, 'datasets'),
    dtype: 'fp32',
    preprocess: 'clip',
    limit: null,
    perClass: null,
    seed: 0,
    batchSize: 32,
    threads: os.availableParallelism(),
    out: path.join(cwd, 'reports'),
    strict: false,
    cacheDir: defaultCacheDir(),
    cache: true,
    task: null,
    images: null,
    split: null,
    recallK: [1, 5, 10],
  };
}

/**
 * Merges defaults ← config file ← flags. The config file is `--config`, else bench.config.json in
 * cwd when present; its relative paths resolve against its own folder.
 */
export function resolveRunConfig(cwd: string, flags: Partial<Record<keyof RunConfig, unknown>>, configFile?: string): RunConfig {
  const file = configFile ? path.resolve(cwd, configFile) : path.join(cwd, CONFIG_FILE);
  if (configFile && !existsSync(file)) throw new InputError(`config file ${file} does not exist`);
  const fromFile = existsSync(file) ? readConfigFile(file) : {};
  const merged = { ...builtinDefaults(cwd), ...fromFile, ...definedOnly(flags, cwd) };
  return validate(merged, file);
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`${file}: expected a JSON object of run settings`);
  }
  const known = new Set(Object.keys(builtinDefaults(path.dirname(file))));
  const entries = Object.entries(parsed).filter(([key]) => !key.startsWith('$') && !CONFIG_SECTIONS.has(key));
  const unknown = entries.filter(([key]) => !known.has(key)).map(([key]) => key);
  if (unknown.length > 0) {
    throw new InputError(`${file}: unknown setting ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${[...known].join(', ')}`);
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, resolvePathSetting(key, value, path.dirname(file))]));
}

const PATH_SETTINGS = new Set(['model', 'dataset', 'datasetsDir', 'out', 'cacheDir', 'images']);

/** Relative paths resolve against where they were written; hub ids and dataset names stay as they are. */
function resolvePathSetting(key: string, value: unknown, base: string): unknown {
  if (!PATH_SETTINGS.has(key) || typeof value !== 'string') return value;
  const candidate = path.resolve(base, value);
  if (key === 'datasetsDir' || key === 'out' || key === 'cacheDir' || key === 'images' || value.startsWith('.') || existsSync(candidate)) return candidate;
  return value;
}

function definedOnly(flags: Partial<Record<keyof RunConfig, unknown>>, cwd: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(flags)
      .filter(([, v]) => v !== undefined)
      .map(([key, value]) => [key, resolvePathSetting(key, value, cwd)]),
  );
}

function validate(c: Record<string, unknown>, file: string): RunConfig {
  const where = (key: string): string => `setting "${key}" (flag or ${file})`;
  const positive = (key: string, allowNull: boolean): number | null => {
    const v = c[key];
    if (v === null && allowNull) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < (key === 'seed' ? 0 : 1)) {
      throw new InputError(`${where(key)}: expected a ${key === 'seed' ? 'non-negative' : 'positive'} whole number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    if (!allowed.includes(c[key] as T)) throw new InputError(`${where(key)}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(c[key])}`);
    return c[key] as T;
  };
  const text = (key: string): string => {
    if (typeof c[key] !== 'string' || c[key] === '') throw new InputError(`${where(key)}: expected a non-empty string`);
    return c[key];
  };
  return {
    model: text('model'),
    dataset: text('dataset'),
    datasetsDir: text('datasetsDir'),
    dtype: oneOf('dtype', DTYPES),
    preprocess: oneOf('preprocess', MODES),
    limit: positive('limit', true),
    perClass: positive('perClass', true),
    seed: positive('seed', false)!,
    batchSize: positive('batchSize', false)!,
    threads: positive('threads', false)!,
    out: text('out'),
    strict: c.strict === true,
    cacheDir: text('cacheDir'),
    cache: c.cache !== false,
    task: c.task === null ? null : oneOf('task', ['classification', 'retrieval'] as const),
    images: c.images === null ? null : text('images'),
    split: c.split === null ? null : text('split'),
    recallK: recallKs(c.recallK, where('recallK')),
  };
}

function recallKs(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new InputError(`${where}: expected a list of positive whole numbers, e.g. [1, 5, 10]`);
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

/** Sections of bench.config.json that other commands read (`bench check`), not `bench run`. */
const CONFIG_SECTIONS = new Set(['check']);

/**
 * One such section of the config file (`--config`, else bench.config.json in cwd), with the file it
 * came from so relative paths in it resolve against that file's folder; null when absent.
 */
export function readConfigSection(cwd: string, name: string, configFile?: string): { readonly value: unknown; readonly file: string } | null {
  const file = configFile ? path.resolve(cwd, configFile) : path.join(cwd, CONFIG_FILE);
  if (configFile && !existsSync(file)) throw new InputError(`config file ${file} does not exist`);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const value = (parsed as Record<string, unknown> | null)?.[name];
  return value === undefined ? null : { value, file };
}
