import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { OpenCacheOptions } from '../cache/index.js';
import { defaultCacheDir, defaultLeaseSeconds, defaultStore } from '../cache/location.js';
import { InputError } from '../errors.js';
import type { DeepReadonly } from '../util/deepReadonly.js';
import { checkJson, readJsonSync } from '../util/json.js';
import { schemeOf } from '../util/connectionUrl.js';
import { PACKAGE_ROOT } from '../version.js';
import { splitModelSpec } from './models.js';
import { CONFIG_SECTIONS, configFileSchema, RUN_SETTINGS, type ConfigFile, type RunSettingName } from './schema.js';

/**
 * Everything `bench run` needs to know, after defaults, bench.config.json and flags are merged:
 * each setting as its schema (./schema.ts, where each one is described) reads it.
 */
export type RunConfig = { readonly [K in RunSettingName]: DeepReadonly<z.output<(typeof RUN_SETTINGS)[K]>> };

export const CONFIG_FILE = 'bench.config.json';

/** The built-in defaults: the bundled model and data, so a bare `bench run` works offline. */
export function builtinDefaults(cwd: string): RunConfig {
  const localDatasets = path.join(cwd, 'datasets');
  return {
    model: path.join(PACKAGE_ROOT, 'models/fashion-clip-mini'),
    dataset: path.join(PACKAGE_ROOT, 'datasets/fashion-mnist-1k'),
    datasetsDir: existsSync(localDatasets) ? localDatasets : path.join(PACKAGE_ROOT, 'datasets'),
    models: null,
    revision: 'main',
    dtype: 'fp32',
    dtypes: null,
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
    store: defaultStore(),
    leaseSeconds: defaultLeaseSeconds(),
    task: null,
    images: null,
    classnames: null,
    split: null,
    recallK: [1, 5, 10],
  };
}

/** The embedding store a command opens, as the run's settings say. */
export function cacheSettings(config: Pick<RunConfig, 'cacheDir' | 'store' | 'cache' | 'leaseSeconds'>): OpenCacheOptions {
  return { dir: config.cacheDir, store: config.store, enabled: config.cache, leaseSeconds: config.leaseSeconds };
}

/**
 * Merges defaults ← config file ← flags. The config file is `--config`, else bench.config.json in
 * cwd when present; its relative paths resolve against its own folder.
 */
export function resolveRunConfig(cwd: string, flags: Partial<Record<keyof RunConfig, unknown>>, configFile?: string): RunConfig {
  const file = configPath(cwd, configFile);
  const fromFile = file === null ? {} : settingsOf(readConfigFile(file), path.dirname(file));
  const merged = { ...builtinDefaults(cwd), ...fromFile, ...settingsOf(checkedFlags(flags), cwd) };
  return { ...merged, recallK: [...new Set(merged.recallK)].sort((a, b) => a - b) };
}

/** `--config` (which must exist), else bench.config.json in cwd if there is one. */
function configPath(cwd: string, configFile: string | undefined): string | null {
  const file = configFile ? path.resolve(cwd, configFile) : path.join(cwd, CONFIG_FILE);
  if (configFile && !existsSync(file)) throw new InputError(`config file ${file} does not exist`);
  return existsSync(file) ? file : null;
}

/** The whole file, checked against its schema once, whichever command reads which part. */
function readConfigFile(file: string): ConfigFile {
  return readJsonSync(file, configFileSchema, { what: 'config file' });
}

/** Flags go through the same schemas as the file's settings; an error names the setting. */
function checkedFlags(flags: Partial<Record<keyof RunConfig, unknown>>): Partial<Record<RunSettingName, unknown>> {
  const given = Object.entries(flags).filter(([key, value]) => value !== undefined && Object.hasOwn(RUN_SETTINGS, key));
  return Object.fromEntries(
    given.map(([key, value]) => [key, checkJson(value, RUN_SETTINGS[key as RunSettingName], `setting "${key}" (flag)`)]),
  );
}

/** The run settings among checked values, relative paths resolved against `base`. */
function settingsOf(values: Partial<Record<string, unknown>>, base: string): Partial<RunConfig> {
  const settings = Object.entries(values).filter(([key, value]) => value !== undefined && Object.hasOwn(RUN_SETTINGS, key));
  // The values were checked against RUN_SETTINGS; resolving a path keeps a string a string.
  return Object.fromEntries(settings.map(([key, value]) => [key, resolvePathSetting(key, value, base)]));
}

const PATH_SETTINGS = new Set(['model', 'dataset', 'datasetsDir', 'out', 'cacheDir', 'images', 'classnames']);

/** Relative paths resolve against where they were written; hub ids and dataset names stay as they are. */
function resolvePathSetting(key: string, value: unknown, base: string): unknown {
  if (key === 'models' && Array.isArray(value)) return value.map((spec) => resolveModelSpec(String(spec), base));
  // A store is a URL, or a cache folder that resolves like one.
  if (key === 'store' && typeof value === 'string' && schemeOf(value) === null) return path.resolve(base, value);
  if (!PATH_SETTINGS.has(key) || typeof value !== 'string') return value;
  const candidate = path.resolve(base, value);
  if (
    key === 'datasetsDir' ||
    key === 'out' ||
    key === 'cacheDir' ||
    key === 'images' ||
    key === 'classnames' ||
    value.startsWith('.') ||
    existsSync(candidate)
  )
    return candidate;
  return value;
}

/** A `models` entry: its folder resolved like `model`, its `@dtype` suffix (if any) kept. */
function resolveModelSpec(spec: string, base: string): string {
  const { id, dtype } = splitModelSpec(spec);
  return `${resolvePathSetting('model', id, base) as string}${dtype === null ? '' : `@${dtype}`}`;
}

/**
 * One section of the config file (`--config`, else bench.config.json in cwd), with the file it
 * came from so relative paths in it resolve against that file's folder; null when absent. The
 * section's reader checks its contents.
 */
export function readConfigSection(
  cwd: string,
  name: keyof typeof CONFIG_SECTIONS,
  configFile?: string,
): { readonly value: unknown; readonly file: string } | null {
  const file = configPath(cwd, configFile);
  if (file === null) return null;
  const value = readConfigFile(file)[name];
  return value === undefined ? null : { value, file };
}
