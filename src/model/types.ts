export type { DecodedImage } from '../datasets/types.js';

/**
 * `clip`: the original OpenAI/open_clip order used by CLIP_benchmark (resize, centre crop with
 * rounded offsets, then convert to RGB). `hf`: transformers' CLIPImageProcessor (convert to RGB
 * first, floor offsets).
 */
export type PreprocessMode = 'clip' | 'hf';

export interface PreprocessSpec {
  readonly mode: PreprocessMode;
  /** Target length of the shortest side, and the side of the square crop. */
  readonly size: number;
  readonly cropSize: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Everything about a tower that changes its output: its weights, never where they lie. */
export interface TowerIdentity {
  /** Readable name for cache stats and `bench cache prune --model` (a folder or hub id); not in cache keys. */
  readonly label: string;
  readonly dtype: string;
  /** sha256 of the tower's ONNX file (or the hub revision when no file is on disk). */
  readonly weights: string;
}

export interface TokenizedText {
  readonly text: string;
  /** Exactly the ids fed to the text model, unpadded: start token … end token, at most contextLength. */
  readonly ids: readonly number[];
  readonly truncated: boolean;
}

export interface TextTokenizer {
  readonly contextLength: number;
  readonly padTokenId: number;
  /**
   * How a batch is padded ("longest:0": to the longest in the batch with id 0): with the ids, all
   * that decides the tensors fed to the text tower, so the cache keys a text by both.
   */
  readonly padding: string;
  tokenize(texts: readonly string[]): TokenizedText[];
}
