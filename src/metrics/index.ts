export { buildClassifier } from './classifier.js';
export {
  classificationMetrics,
  classificationDetails,
  LOGIT_SCALE,
  type ClassificationInput,
  type ClassificationMetrics,
  type ClassificationDetails,
  type PerClassStats,
} from './classification.js';
export { recallAtKs, retrievalMetrics, retrievalRanks, retrievalScores, type RetrievalInput, type RetrievalRanks } from './retrieval.js';
export type { Vector } from './vectors.js';
/** Per-image class probabilities are the softmax of the logits, as CLIP reports them. */
export { softmax } from './vectors.js';
