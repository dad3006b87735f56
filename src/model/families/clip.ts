import { preprocessSpecFromConfig } from '../preprocessorConfig.js';
import { createClipTokenizer } from '../tokenizer.js';
import type { ModelFamily } from './types.js';

/** CLIP as OpenAI's reference and CLIP_benchmark run it (README, "Tokenization and preprocessing"). */
export const clipFamily: ModelFamily = {
  modelType: 'clip',
  reference: "OpenAI CLIP (clip.tokenize, Pillow bicubic resize + centre crop) as LAION's CLIP_benchmark runs it",
  createTokenizer: createClipTokenizer,
  preprocessSpec: preprocessSpecFromConfig,
  towers: {
    text: { className: 'CLIPTextModelWithProjection', output: 'text_embeds' },
    vision: { className: 'CLIPVisionModelWithProjection', output: 'image_embeds' },
  },
  // CLIP_benchmark scores with a fixed 100 · cos, whatever the checkpoint's learned logit_scale.
  head: () => ({ kind: 'softmax', scale: 100, bias: 0 }),
};
