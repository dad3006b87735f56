export { buildClassifier } from './classifier.js';
export {
  classificationMetrics,
  classificationDetails,
  classificationDetailsFromLogits,
  LOGIT_SCALE,
  type ClassificationInput,
  type ClassificationMetrics,
  type ClassificationDetails,
  type PerClassStats,
} from './classification.js';
export { scoreEnsembleLogits } from './scoreEnsemble.js';
export { zeroShotDetails, type EnsembleMode, type ZeroShotInput } from './zeroShot.js';
export { recallAtKs, retrievalMetrics, retrievalRanks, retrievalScores, type RetrievalInput, type RetrievalRanks } from './retrieval.js';
export type { Vector } from './vectors.js';
/** Per-image class probabilities are the softmax of the logits, as CLIP reports them. */
export { softmax } from './vectors.js';
export { greedySelection, type GreedySelection, type GreedySelectionInput, type GreedyStep } from './greedySelection.js';
export { classProbabilities } from './probabilities.js';
