import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { tokenizerFamily } from './families/index.js';
import { resolveModelSource } from './source.js';
import { readClipTokenizerFiles } from './tokenizer.js';
import type { TextTokenizer } from './types.js';

/**
 * Loads a model's tokenizer, as its family (config.json's model_type) tokenizes, from a local
 * folder or a Hugging Face hub id (e.g. `Xenova/clip-vit-base-patch32`), read directly with no
 * transformers.js import (a warm run tokenizes to find its cache keys). A hub id's tokenizer files
 * and config.json are downloaded into the model cache first unless cached; `localFilesOnly`
 * forbids that, as HF_HUB_OFFLINE=1 does.
 */
export async function loadTokenizer(
  modelIdOrDir: string,
  options: { localFilesOnly?: boolean; revision?: string } = {},
): Promise<TextTokenizer> {
  const local = resolve(modelIdOrDir);
  const folder =
    existsSync(local) && statSync(local).isDirectory()
      ? local
      : (
          await resolveModelSource(modelIdOrDir, 'fp32', process.cwd(), 'tokenizer', {
            revision: options.revision,
            offline: options.localFilesOnly,
          })
        ).location;
  const files = await readClipTokenizerFiles(folder);
  return (await tokenizerFamily(folder, files.config)).createTokenizer(files);
}

/** The name this loader had when CLIP was the only family; kept for the programmatic API. */
export const loadClipTokenizer = loadTokenizer;
