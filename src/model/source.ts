import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

export type ModelDtype = 'fp32' | 'fp16' | 'q8';
export type Tower = 'text' | 'vision';

export interface ModelSource {
  /** What the user named: a hub id, or the folder as given. */
  readonly id: string;
  readonly kind: 'local' | 'hub';
  /** Absolute folder for local models (transformers.js reads `owner/name`-like relative paths as hub ids). */
  readonly location: string;
  readonly dtype: ModelDtype;
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

/** A folder that exists is a local model; anything else is taken as a hub id. */
export function resolveModelSource(model: string, dtype: ModelDtype, cwd: string, part: ModelPart = 'all'): ModelSource {
  const folder = path.resolve(cwd, model);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    checkLocalLayout(folder, dtype, part);
    return { id: model, kind: 'local', location: folder, dtype };
  }
  if (looksLikePath(model)) {
    throw new InputError(
      `model folder ${folder} does not exist; --model takes a folder in the transformers.js layout or a hub id like Xenova/clip-vit-base-patch32`,
    );
  }
  return { id: model, kind: 'hub', location: model, dtype };
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

/** Where the ONNX file of a tower lies on disk: in the folder, or in transformers.js's hub cache. */
export async function onnxPath(source: ModelSource, tower: Tower): Promise<string | null> {
  const file = onnxFileName(tower, source.dtype);
  const folder = source.kind === 'local' ? source.location : path.join((await hubCacheDir()) ?? '', source.location);
  const candidate = path.join(folder, file);
  return existsSync(candidate) ? candidate : null;
}

async function hubCacheDir(): Promise<string | null> {
  const { env } = await import('@huggingface/transformers');
  return env.cacheDir;
}
