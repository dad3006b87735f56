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
  /**
   * `squash` (SigLIP): convert to RGB, resize straight to cropSize×cropSize (aspect ratio not
   * kept), no crop. Absent: resize the shortest side to `size`, then centre-crop (CLIP).
   */
  readonly resize?: 'squash';
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
  /** Pad every batch to exactly this many ids (SigLIP's max_length); absent: to the longest in the batch. */
  readonly padLength?: number;
  tokenize(texts: readonly string[]): TokenizedText[];
}

/**
 * How a family turns cosine similarities into the scores it reports. `softmax` (CLIP, as
 * CLIP_benchmark): probabilities softmax(scale · cos) over the classes, scale 100. `sigmoid`
 * (SigLIP): each class on its own, sigmoid(scale · cos + bias), scale = exp(logit_scale). Both are
 * increasing in cos, so rankings (and every accuracy) do not depend on the head.
 */
export interface LogitHead {
  readonly kind: 'softmax' | 'sigmoid';
  readonly scale: number;
  readonly bias: number;
}
