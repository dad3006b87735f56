/** Paired comparison of runs, baselines and regression checks: the API behind `bench compare/check/baseline`. */
export { contrastPromptSets, type PromptSetContrast } from './withinRun.js';
export { compareRuns, ALPHA, type Comparison, type CompareOptions, type MetricComparison } from './compare.js';
export { NotComparableError } from './comparable.js';
export {
  evaluateCheck,
  parseMaxDrop,
  DEFAULT_MAX_DROP,
  type CheckOutcome,
  type CheckSettings,
  type CheckedRow,
  type MaxDrop,
} from './thresholds.js';
export { loadRunSummary, findLatestResults } from './load.js';
export { summarizeResults, METRICS, type MetricName, type RunSummary, type SetSummary } from './summary.js';
export { toBaselineFile, serializeBaseline, type BaselineFile } from './baseline.js';
export { formatTerminal, formatMarkdown, formatJson } from './format.js';
export { formatJUnit, formatJUnitError } from './junit.js';
