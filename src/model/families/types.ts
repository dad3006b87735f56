import type { PreprocessorConfig } from '../preprocessorConfig.js';
import type { ClipTokenizerFiles } from '../tokenizer.js';
import type { LogitHead, PreprocessMode, PreprocessSpec, TextTokenizer } from '../types.js';

/** A transformers.js tower class and the output that holds its (unnormalised) embedding. */
export interface TowerPolicy {
  readonly className: 'CLIPTextModelWithProjection' | 'CLIPVisionModelWithProjection' | 'SiglipTextModel' | 'SiglipVisionModel';
  readonly output: 'text_embeds' | 'image_embeds' | 'pooler_output';
}

/**
 * Everything that differs between model families (`model_type` in config.json): how text is
 * tokenized and padded, how images are resized and cropped, which tower classes and outputs give
 * the embeddings, and how cosine similarities become reported scores. One file per family.
 */
export interface ModelFamily {
  readonly modelType: string;
  /** Where its policies come from, for the README and error messages. */
  readonly reference: string;
  createTokenizer(files: ClipTokenizerFiles): TextTokenizer;
  preprocessSpec(config: PreprocessorConfig, mode: PreprocessMode, where: string): PreprocessSpec;
  readonly towers: { readonly text: TowerPolicy; readonly vision: TowerPolicy };
  head(config: Readonly<Record<string, unknown>>, where: string): LogitHead;
}
