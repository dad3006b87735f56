import { z } from 'zod';
import type { ModelDtype } from '../model/source.js';
import type { PreprocessMode } from '../model/types.js';
import { expected } from '../util/jsonIssues.js';
import { nonBlank, nonEmptyList, nonNegativeInt, positiveInt, strictFileObject } from '../util/schemaParts.js';

/**
 * bench.config.json: defaults for `bench run` (the flags' names in camelCase) and the sections other
 * commands read. Each setting's schema also checks the same setting given as a flag.
 */

const DTYPES = ['fp32', 'fp16', 'q8'] as const satisfies readonly ModelDtype[];
const PREPROCESS_MODES = ['clip', 'hf'] as const satisfies readonly PreprocessMode[];

const pathSetting = (what: string) => nonBlank().describe(`${what}; a relative path is taken from this file's folder`);
const orNull = <T extends z.ZodType>(schema: T, noun: string) => z.union([schema, z.null()], { error: expected(noun) });

export const RUN_SETTINGS = {
  model: nonBlank().describe('A hub id (e.g. Xenova/clip-vit-base-patch32) or a local model folder'),
  dataset: nonBlank().describe(
    'A dataset path (class folders, manifest, IDX, caption file, descriptor) or a descriptor name from datasetsDir',
  ),
  datasetsDir: pathSetting('Where named dataset descriptors live'),
  models: orNull(nonEmptyList(nonBlank(), 'a list of model ids or folders'), 'a list of model ids or folders, or null').describe(
    'Several models compared in one run: hub ids or folders, each optionally ending in @fp32, @fp16 or @q8; when set, `model` is not used',
  ),
  revision: nonBlank().describe('Branch, tag or commit of hub models (see README, "Models"); ignored for a folder'),
  dtype: z.enum(DTYPES).describe('ONNX weights to load'),
  dtypes: orNull(nonEmptyList(z.enum(DTYPES), 'a list of "fp32", "fp16", "q8"'), 'a list of dtypes or null').describe(
    'Run every model without its own @dtype in each of these dtypes; when set, `dtype` is not used',
  ),
  preprocess: z.enum(PREPROCESS_MODES).describe('clip: the original OpenAI order; hf: transformers CLIPImageProcessor'),
  limit: orNull(positiveInt(), 'a positive whole number or null').describe('Evaluate at most this many items (a seeded subset); null: all'),
  perClass: orNull(positiveInt(), 'a positive whole number or null').describe('Evaluate at most this many items per class; null: all'),
  seed: nonNegativeInt().describe('Seed that picks the subset'),
  batchSize: positiveInt().describe('Images or prompts per model call'),
  threads: positiveInt().describe('onnxruntime intra-op threads'),
  out: pathSetting('Where run folders are written'),
  strict: z.boolean().describe('Exit 1 when any image could not be read'),
  cacheDir: pathSetting('Embedding cache folder'),
  cache: z.boolean().describe('false: neither read nor write the embedding cache'),
  store: orNull(nonBlank(), 'a folder, a postgres:// URL, or null').describe(
    'Where embeddings are stored: null for the SQLite cache in cacheDir, a folder for SQLite there, or postgres://user@host/db for a store several machines share',
  ),
  leaseSeconds: positiveInt().describe(
    'How long a claim on a batch holds unless its worker renews it: a worker that died frees its batches after this',
  ),
  task: orNull(z.enum(['classification', 'retrieval']), '"classification", "retrieval" or null').describe(
    'Fail unless the dataset holds this task',
  ),
  images: orNull(pathSetting('Images folder of a caption file'), 'a non-empty string or null'),
  classnames: orNull(pathSetting('A class-names file (one per line) for WebDataset shards or Parquet files'), 'a non-empty string or null'),
  split: orNull(nonBlank(), 'a non-empty string or null').describe('IDX split (test, train) or Karpathy split (test, val, train, restval)'),
  recallK: nonEmptyList(positiveInt(), 'a list of positive whole numbers, e.g. [1, 5, 10]').describe(
    'The k values of recall@k for retrieval',
  ),
};

export type RunSettingName = keyof typeof RUN_SETTINGS;

/** Sections of the file besides the run settings; `bench run` leaves their contents to their readers. */
export const CONFIG_SECTIONS = {
  check: z.unknown().describe('Settings of `bench check` and `bench compare` (see README, "Regression tracking in CI")').optional(),
};

/** The file as `bench run` reads it: every setting optional, sections unchecked. */
export const configFileSchema = configSchemaWith(CONFIG_SECTIONS.check);

/** bench.config.json with a schema for its `check` section (which lives with its reader, in compare/). */
export function configSchemaWith(check: z.ZodType) {
  const optional = Object.fromEntries(Object.entries(RUN_SETTINGS).map(([key, schema]) => [key, schema.optional()])) as {
    [K in RunSettingName]: z.ZodOptional<(typeof RUN_SETTINGS)[K]>;
  };
  return strictFileObject({ ...optional, check: check.optional() }, 'setting').describe(
    'ClipBench settings (bench.config.json): defaults for `bench run`, overridden by flags',
  );
}

export type ConfigFile = z.output<typeof configFileSchema>;
