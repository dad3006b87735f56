import type { PreprocessSpec, TowerIdentity } from '../model/types.js';
import { sha256 } from '../util/hash.js';

/**
 * Version 2 keys by content only: the same weights in another folder or on another machine hit,
 * and a text is keyed by the token ids it feeds, so a changed tokenizer misses. Each part is a
 * separate JSON array element, so parts can never run together ("ab"+"c" vs "a"+"bc").
 */
const IMAGE_KEY_VERSION = 'image/v2';
const TEXT_KEY_VERSION = 'text/v2';

export function imageKey(imageSha256: string, tower: TowerIdentity, preprocess: PreprocessSpec, algorithm: string): string {
  return digest([IMAGE_KEY_VERSION, imageSha256, tower.dtype, tower.weights, preprocessSignature(preprocess, algorithm)]);
}

/** `padding` is the tokenizer's padding policy: with the ids it fixes the tensors fed. */
export function textKey(ids: readonly number[], padding: string, tower: TowerIdentity): string {
  return digest([TEXT_KEY_VERSION, ids.join(','), padding, tower.dtype, tower.weights]);
}

export function preprocessSignature(spec: PreprocessSpec, algorithm: string): string {
  // A squash resize is added only when present, so every CLIP key stays what it was.
  const resize = spec.resize === undefined ? [] : [spec.resize];
  return JSON.stringify([spec.mode, spec.size, spec.cropSize, spec.mean, spec.std, algorithm, ...resize]);
}

function digest(parts: readonly string[]): string {
  return sha256(JSON.stringify(parts));
}
