import type { LogitHead } from '../model/types.js';
import { LOGIT_SCALE } from './classification.js';
import { softmax, type Vector } from './vectors.js';

/**
 * The scores a family reports for one image, from its classification logits (LOGIT_SCALE · cos):
 * CLIP's softmax over the classes of scale · cos, or SigLIP's independent sigmoid(scale · cos + bias)
 * per class. Rankings, and so every metric, are the same under either: only the reported numbers differ.
 */
export function classProbabilities(logits: Vector, head: LogitHead): Float64Array {
  // CLIP's head is the logits' own scale: the softmax of the logits themselves, bit for bit as before heads existed.
  if (head.kind === 'softmax' && head.scale === LOGIT_SCALE) return softmax(logits);
  const cos = Float64Array.from({ length: logits.length }, (_, c) => logits[c]! / LOGIT_SCALE);
  if (head.kind === 'softmax') return softmax(cos.map((v) => head.scale * v));
  return cos.map((v) => 1 / (1 + Math.exp(-(head.scale * v + head.bias))));
}
