import path from 'node:path';
import { InputError } from '../errors.js';
import type { ModelDtype } from '../model/source.js';
import type { RunConfig } from './config.js';

/** One model of a run, in one dtype. */
export interface ModelSpec {
  /** A hub id or a model folder, as resolved from the settings. */
  readonly id: string;
  readonly dtype: ModelDtype;
  /** Its name in tables, results and reports: `<id or folder name>@<dtype>`, unique in the run. */
  readonly key: string;
}

/**
 * `@fp32`, `@fp16` or `@q8` at the very end of a model spec. Hub ids cannot hold `@`, and only these
 * three suffixes are read, so a folder whose name merely contains `@` is still taken as it is.
 */
const DTYPE_SUFFIX = /@(fp32|fp16|q8)$/;

/**
 * The (model, dtype) pairs of a run, in the order given: `models` (else `model`), each crossed with
 * `dtypes` (else `dtype`) unless it names its own dtype. A pair given twice is an error.
 */
export function runModels(config: Pick<RunConfig, 'model' | 'models' | 'dtype' | 'dtypes'>): ModelSpec[] {
  const dtypes = config.dtypes ?? [config.dtype];
  const pairs = (config.models ?? [config.model]).flatMap((spec) => {
    const { id, dtype } = splitModelSpec(spec);
    return dtype === null ? dtypes.map((d) => ({ id, dtype: d })) : [{ id, dtype }];
  });
  const seen = new Set<string>();
  for (const { id, dtype } of pairs) {
    if (seen.has(`${id}@${dtype}`))
      throw new InputError(`model ${id} in ${dtype} is given twice; each (model, dtype) may appear once per run`);
    seen.add(`${id}@${dtype}`);
  }
  const names = pairs.map((p) => displayName(p.id));
  // Two folders with the same name (a/clip, b/clip) keep their whole path as the name.
  return pairs.map((p, i) => {
    const name = names.filter((n, j) => n === names[i] && pairs[j]!.id !== p.id).length > 0 ? p.id : names[i]!;
    return { ...p, key: `${name}@${p.dtype}` };
  });
}

/** `id@q8` → id and dtype; without a dtype suffix, the dtype is null. */
export function splitModelSpec(spec: string): { readonly id: string; readonly dtype: ModelDtype | null } {
  const suffix = DTYPE_SUFFIX.exec(spec);
  return suffix === null ? { id: spec, dtype: null } : { id: spec.slice(0, suffix.index), dtype: suffix[1] as ModelDtype };
}

/** The key of a model in a one-model run: `<id or folder name>@<dtype>`. */
export function modelKey(id: string, dtype: string): string {
  return `${displayName(id)}@${dtype}`;
}

/** A folder by its last part, a hub id as it is. */
function displayName(id: string): string {
  return path.isAbsolute(id) || id.startsWith('.') ? path.basename(id) : id;
}
