/** The programmatic API: `import { … } from 'clipbench'`. */
export {
  buildClassifier,
  classificationMetrics,
  classificationDetails,
  scoreEnsembleLogits,
  zeroShotDetails,
  greedySelection,
  retrievalMetrics,
  retrievalRanks,
  LOGIT_SCALE,
} from './metrics/index.js';
export type {
  ClassificationInput,
  ClassificationMetrics,
  EnsembleMode,
  GreedySelection,
  GreedySelectionInput,
  RetrievalInput,
  Vector,
} from './metrics/index.js';
export { loadDataset, selectSubset, holdoutSplit } from './datasets/index.js';
export type { ClassificationDataset, ClassificationItem, SubsetOptions } from './datasets/types.js';
export { loadPromptSet, loadPromptSets, renderClassPrompts } from './prompts/index.js';
export type { PromptSet, PromptTemplate } from './prompts/index.js';
export { loadClipModel, loadPreprocessSpec, type ClipModel, type ModelOptions } from './model/clipModel.js';
export { loadClipTokenizer, loadTokenizer } from './model/loadTokenizer.js';
export { decodeImage } from './model/decode.js';
export { preprocessImage, resizeAndCrop, toPixelValues } from './model/preprocess.js';
export type { DecodedImage, PreprocessSpec, PreprocessMode, TextTokenizer, TokenizedText } from './model/types.js';
export { resolveRunConfig, type RunConfig } from './config/config.js';
export { benchRun, type BenchRunOutput } from './run/benchRun.js';
export { benchSelect, type BenchSelectOutput, type SelectOptions } from './run/benchSelect.js';
export type { Selection } from './results/selectionSchema.js';
export type { Results, RunTimings } from './results/schema.js';
export { InputError } from './errors.js';
export * from './compare/index.js';
export { readHistory, type HistoryRecord } from './history/history.js';
export { loadAnyDataset, selectRetrievalSubset } from './datasets/index.js';
export type { Dataset, RetrievalDataset } from './datasets/types.js';
export type { RetrievalResults } from './results/retrievalSchema.js';
