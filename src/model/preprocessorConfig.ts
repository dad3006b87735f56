import { InputError } from '../errors.js';
import type { PreprocessMode, PreprocessSpec } from './types.js';

type SizeField = number | { shortest_edge?: number; height?: number; width?: number } | undefined;

export interface PreprocessorConfig {
  readonly size?: SizeField;
  readonly crop_size?: SizeField;
  readonly image_mean?: readonly number[];
  readonly image_std?: readonly number[];
}

/** Reads the resize/crop/normalise parameters a CLIP preprocessor_config.json declares. */
export function preprocessSpecFromConfig(config: PreprocessorConfig, mode: PreprocessMode, where: string): PreprocessSpec {
  const size = edge(config.size, 'size', where);
  const cropSize = edge(config.crop_size ?? config.size, 'crop_size', where);
  return { mode, size, cropSize, mean: triple(config.image_mean, 'image_mean', where), std: triple(config.image_std, 'image_std', where) };
}

function edge(field: SizeField, name: string, where: string): number {
  if (typeof field === 'number') return field;
  if (field?.shortest_edge !== undefined) return field.shortest_edge;
  if (field?.height !== undefined && field.height === field.width) return field.height;
  throw new InputError(`${where}: "${name}" must be a number, {"shortest_edge": n} or a square {"height": n, "width": n}`);
}

function triple(values: readonly number[] | undefined, name: string, where: string): [number, number, number] {
  if (values?.length !== 3 || values.some((v) => typeof v !== 'number')) {
    throw new InputError(`${where}: "${name}" must list three numbers (R, G, B)`);
  }
  return [values[0]!, values[1]!, values[2]!];
}
