import { buildClassifier } from './classifier.js';
import { classificationDetails, classificationDetailsFromLogits, type ClassificationDetails } from './classification.js';
import { scoreEnsembleLogits } from './scoreEnsemble.js';
import type { Vector } from './vectors.js';

/** How a class's prompts combine: see PromptEnsemble in src/prompts/types.ts. */
export type EnsembleMode = 'embedding' | 'score';

export interface ZeroShotInput {
  /** Raw image embeddings, [image][dim]. */
  readonly imageEmbeddings: readonly Vector[];
  /** Raw prompt embeddings, [class][prompt][dim]. */
  readonly promptEmbeddings: readonly (readonly Vector[])[];
  readonly targets: readonly number[];
  readonly mode: EnsembleMode;
}

/**
 * Zero-shot classification of images by a set of class prompts, combined as `mode` says: the one
 * scoring behind every prompt file's, every template's and every selected ensemble's numbers, so
 * that the same prompts always give the same figures.
 */
export function zeroShotDetails({ imageEmbeddings, promptEmbeddings, targets, mode }: ZeroShotInput): ClassificationDetails {
  return mode === 'score'
    ? classificationDetailsFromLogits(scoreEnsembleLogits(imageEmbeddings, promptEmbeddings), targets, promptEmbeddings.length)
    : classificationDetails({ imageEmbeddings, classVectors: buildClassifier(promptEmbeddings), targets });
}
