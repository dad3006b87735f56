import { createHash } from 'node:crypto';
import type { PreprocessSpec } from '../model/types.js';

/** Everything about a tower that changes its output: the weights' hash, not just a name. */
export interface TowerIdentity {
  readonly modelId: string;
  readonly dtype: string;
  /** sha256 of the tower's ONNX file (or the hub revision when no file is on disk). */
  readonly weights: string;
}

/**
 * Keys hash every input that changes an embedding, with a tag per part so parts can never run
 * together ("ab"+"c" vs "a"+"bc"). Changing the model file, the dtype or the preprocessing misses.
 */
export function imageKey(imageSha256: string, tower: TowerIdentity, preprocess: PreprocessSpec, algorithm: string): string {
  return digest(['image/v1', imageSha256, tower.modelId, tower.dtype, tower.weights, preprocessSignature(preprocess, algorithm)]);
}

/** The exact string fed to the tokenizer, plus the text tower. */
export function textKey(text: string, tower: TowerIdentity): string {
  return digest(['text/v1', text, tower.modelId, tower.dtype, tower.weights]);
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
