import { InputError } from '../../errors.js';
import { preprocessSpecFromConfig, type PreprocessorConfig } from '../preprocessorConfig.js';
import { createSiglipTokenizer } from '../siglipTokenizer.js';
import type { PreprocessMode, PreprocessSpec } from '../types.js';
import type { ModelFamily } from './types.js';

/**
 * SigLIP as Hugging Face transformers runs it (SiglipModel with SiglipProcessor,
 * `padding="max_length"`): see siglipTokenizer.ts for the text; images are converted to RGB and
 * resized straight to the model's square (no crop) with Pillow's bicubic filter; the towers'
 * pooler_output is the embedding; scores are per-class sigmoids.
 */
export const siglipFamily: ModelFamily = {
  modelType: 'siglip',
  reference:
    "Hugging Face transformers' SiglipModel + SiglipProcessor (tokenization_siglip.py, image_processing_siglip.py, modeling_siglip.py)",
  createTokenizer: createSiglipTokenizer,
  preprocessSpec: squashSpec,
  towers: {
    text: { className: 'SiglipTextModel', output: 'pooler_output' },
    vision: { className: 'SiglipVisionModel', output: 'pooler_output' },
  },
  head: siglipHead,
};

/** There is one reference order for SigLIP (HF's): `--preprocess` does not apply, and `hf` is what is recorded. */
function squashSpec(config: PreprocessorConfig, _mode: PreprocessMode, where: string): PreprocessSpec {
  const size = config.size;
  if (typeof size !== 'object' || size.height === undefined || size.height !== size.width) {
    throw new InputError(`${where}: a SigLIP "size" must be a square {"height": n, "width": n}`);
  }
  return { ...preprocessSpecFromConfig({ ...config, crop_size: size }, 'hf', where), resize: 'squash' };
}

/**
 * `logit_scale` and `logit_bias` live in the full model, not in the towers. They are read from
 * config.json: `clipbench_logit: {scale, bias}` (what the fixtures here ship; scale is the raw
 * logit_scale, exponentiated as SiglipModel does), else top-level `logit_scale`/`logit_bias`.
 */
function siglipHead(config: Readonly<Record<string, unknown>>, where: string): { kind: 'sigmoid'; scale: number; bias: number } {
  const shipped = (config.clipbench_logit ?? config) as { scale?: unknown; bias?: unknown; logit_scale?: unknown; logit_bias?: unknown };
  const scale = shipped.scale ?? shipped.logit_scale;
  const bias = shipped.bias ?? shipped.logit_bias;
  if (typeof scale !== 'number' || typeof bias !== 'number') {
    throw new InputError(
      `${where}: a SigLIP config.json needs the model's logit_scale and logit_bias (they are not in the ONNX towers): ` +
        'add "clipbench_logit": {"scale": <logit_scale>, "bias": <logit_bias>} from the checkpoint',
    );
  }
  return { kind: 'sigmoid', scale: Math.exp(scale), bias };
}
