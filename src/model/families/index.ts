import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';
import { clipFamily } from './clip.js';
import { siglipFamily } from './siglip.js';
import type { ModelFamily } from './types.js';

export type { ModelFamily, TowerPolicy } from './types.js';

/** Model families by config.json `model_type`: another family is one more file and one more entry. */
export const FAMILIES: Readonly<Record<string, ModelFamily>> = { clip: clipFamily, siglip: siglipFamily };

/** A model folder's config.json and the family its `model_type` names. */
export async function familyOf(folder: string): Promise<{ family: ModelFamily; config: Readonly<Record<string, unknown>> }> {
  const file = path.join(folder, 'config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const type = config.model_type;
  const family = typeof type === 'string' ? FAMILIES[type] : undefined;
  if (family === undefined) {
    throw new InputError(
      `${file}: model_type ${JSON.stringify(type)} is not a supported model family; supported: ${Object.keys(FAMILIES).join(', ')}`,
    );
  }
  return { family, config };
}

/** tokenizer_config.json's tokenizer_class → family, for a tokenizer folder without config.json. */
const BY_TOKENIZER_CLASS: Readonly<Record<string, ModelFamily>> = {
  CLIPTokenizer: clipFamily,
  CLIPTokenizerFast: clipFamily,
  SiglipTokenizer: siglipFamily,
};

/**
 * The family of a tokenizer folder: its config.json's model_type when there is one; else the
 * tokenizer class its tokenizer_config.json names; else CLIP (a bare CLIP tokenizer folder).
 */
export async function tokenizerFamily(folder: string, tokenizerConfig: unknown): Promise<ModelFamily> {
  if (existsSync(path.join(folder, 'config.json'))) return (await familyOf(folder)).family;
  const declared = (tokenizerConfig as { tokenizer_class?: unknown } | null)?.tokenizer_class;
  return (typeof declared === 'string' ? BY_TOKENIZER_CLASS[declared] : undefined) ?? clipFamily;
}
