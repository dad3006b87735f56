import { createHash } from 'node:crypto';
import type { PreprocessSpec } from '../model/types.js';

/** Everything about a tower that changes its output: its weights, never where they lie. */
export interface TowerIdentity {
  /** Readable name for cache stats and `bench cache prune --model` (a folder or hub id); not in keys. */
  readonly label: string;
  readonly dtype: string;
  /** sha256 of the tower's ONNX file (or the hub revision when no file is on disk). */
  readonly weights: string;
}

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
  return JSON.stringify([spec.mode, spec.size, spec.cropSize, spec.mean, spec.std, algorithm]);
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function digest(parts: readonly string[]): string {
  return sha256(JSON.stringify(parts));
}
