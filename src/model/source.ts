import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { DEFAULT_REVISION, fetchHubFiles, hubSettings, isHubId } from '../util/hub.js';

export type ModelDtype = 'fp32' | 'fp16' | 'q8';
export type Tower = 'text' | 'vision';

export interface ModelSource {
  /** What the user named: a hub id, or the folder as given. */
  readonly id: string;
  readonly kind: 'local' | 'hub';
  /**
   * The absolute folder the files are read from: the folder given, or the hub revision's folder in
   * the download cache (transformers.js reads `owner/name`-like relative paths as hub ids).
   */
  readonly location: string;
  readonly dtype: ModelDtype;
  /** The hub branch, tag or commit the files were downloaded at; null for a local folder. */
  readonly revision: string | null;
}

/** Which revision of a hub model, and whether it may be downloaded. */
export interface HubRequest {
  /** Branch, tag or commit; `main` when not given. Ignored for a local folder. */
  readonly revision?: string;
  /** Use only what is cached, as with HF_HUB_OFFLINE=1. */
  readonly offline?: boolean;
}

/** transformers.js file-name suffixes per dtype. */
const DTYPE_SUFFIX: Record<ModelDtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

/** What each use of a model folder reads: `bench tokenize` needs only the tokenizer files. */
export type ModelPart = 'tokenizer' | 'preprocessor' | 'all';

const PART_FILES: Record<ModelPart, (dtype: ModelDtype) => string[]> = {
  tokenizer: () => ['tokenizer.json', 'tokenizer_config.json'],
  preprocessor: () => ['preprocessor_config.json'],
  all: (dtype) => [
    'config.json',
    'preprocessor_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    onnxFileName('text', dtype),
    onnxFileName('vision', dtype),
  ],
};

export function onnxFileName(tower: Tower, dtype: ModelDtype): string {
  return `onnx/${tower}_model${DTYPE_SUFFIX[dtype]}.onnx`;
}

/**
 * A folder that exists is a local model; anything else is taken as a hub id, whose files (those
 * `part` needs) are downloaded into the model cache unless they are there already.
 */
export async function resolveModelSource(
  model: string,
  dtype: ModelDtype,
  cwd: string,
  part: ModelPart = 'all',
  hub: HubRequest = {},
): Promise<ModelSource> {
  const folder = path.resolve(cwd, model);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    checkLocalLayout(folder, dtype, part);
    return { id: model, kind: 'local', location: folder, dtype, revision: null };
  }
  if (looksLikePath(model) || !isHubId(model)) {
    throw new InputError(
      `model folder ${folder} does not exist; --model takes a folder in the transformers.js layout or a hub id like Xenova/clip-vit-base-patch32`,
    );
  }
  const revision = hub.revision ?? DEFAULT_REVISION;
  const settings = { ...hubSettings(), ...(hub.offline ? { offline: true } : {}) };
  // A tokenizer-only download still takes config.json: its model_type says which family tokenizes.
  const files = part === 'tokenizer' ? ['config.json', ...PART_FILES.tokenizer(dtype)] : PART_FILES[part](dtype);
  const [configs, weights] = [files.filter((f) => !f.endsWith('.onnx')), files.filter((f) => f.endsWith('.onnx'))];
  const location = await fetchHubFiles(model, revision, configs, settings);
  // Weights over 2 GB come with external data files, which only config.json names.
  const external = weights.length === 0 ? [] : externalDataFiles(await readConfig(location), weights);
  await fetchHubFiles(model, revision, [...weights, ...external], settings);
  return { id: model, kind: 'hub', location, dtype, revision };
}

function looksLikePath(model: string): boolean {
  return model.startsWith('.') || model.startsWith('/') || model.split('/').length > 2;
}

function checkLocalLayout(folder: string, dtype: ModelDtype, part: ModelPart): void {
  const required = PART_FILES[part](dtype);
  const missing = required.filter((f) => !existsSync(path.join(folder, f)));
  if (missing.length > 0) {
    const hint = dtype === 'fp32' || part !== 'all' ? '' : ` (--dtype ${dtype} needs the ${DTYPE_SUFFIX[dtype]}.onnx files)`;
    throw new InputError(
      `model folder ${folder} lacks ${missing.map((m) => path.join(folder, m)).join(', ')}${hint}. ` +
        `Expected layout: ${PART_FILES.all(dtype).join(', ')}`,
    );
  }
}

/**
 * Where the ONNX file of a tower lies on disk (a hub model's was downloaded by resolveModelSource),
 * or null. Still a promise: its callers date from when it had to ask transformers.js for its cache.
 */
export function onnxPath(source: ModelSource, tower: Tower): Promise<string | null> {
  const file = path.join(source.location, onnxFileName(tower, source.dtype));
  return Promise.resolve(existsSync(file) ? file : null);
}

async function readConfig(folder: string): Promise<unknown> {
  const file = path.join(folder, 'config.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * The external data files transformers.js loads beside each ONNX file, as config.json's
 * `transformers.js_config.use_external_data_format` declares them: true or a chunk count for
 * every file, or an object keyed by file name (`vision_model_fp16.onnx`) or base name (`vision_model`).
 */
export function externalDataFiles(config: unknown, onnxFiles: readonly string[]): string[] {
  const custom = isRecord(config) ? config['transformers.js_config'] : undefined;
  const setting = isRecord(custom) ? custom.use_external_data_format : undefined;
  return onnxFiles.flatMap((file) => {
    const name = path.posix.basename(file);
    const base = name.replace(/(_fp16|_quantized)?\.onnx$/, '');
    const value = isRecord(setting) ? (setting[name] ?? setting[base]) : setting;
    // transformers.js refuses more than 100 chunks (MAX_EXTERNAL_DATA_CHUNKS); none are fetched beyond that.
    const chunks = value === true ? 1 : typeof value === 'number' && Number.isInteger(value) && value > 0 ? Math.min(value, 100) : 0;
    return Array.from({ length: chunks }, (_, i) => `${file}_data${i === 0 ? '' : `_${i}`}`);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
