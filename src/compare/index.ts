/** Paired comparison of runs, baselines and regression checks: the API behind `bench compare/check/baseline`. */
export { acc1Interval, wilsonInterval, type Interval } from './wilson.js';
export { contrastPromptSets, pairedAcc1, type PromptSetContrast } from './withinRun.js';
export { mcnemarExactP, discordance, type Discordance } from './mcnemar.js';
export { pairedBootstrap, DEFAULT_BOOTSTRAP, MIN_RESAMPLES, type BootstrapSettings, type PairedSample, type PairedIntervals } from './bootstrap.js';
export { Mulberry32 } from './prng.js';
export { compareRuns, ALPHA, type Comparison, type CompareOptions, type MetricComparison } from './compare.js';
export { NotComparableError } from './comparable.js';
export { evaluateCheck, parseMaxDrop, DEFAULT_MAX_DROP, type CheckOutcome, type CheckSettings, type CheckedRow, type MaxDrop } from './thresholds.js';
export { loadRunSummary, findLatestResults } from './load.js';
export { summarizeResults, METRICS, type MetricName, type RunSummary, type SetSummary } from './summary.js';
export { toBaselineFile, serializeBaseline, type BaselineFile } from './baseline.js';
export { formatTerminal, formatMarkdown, formatJson } from './format.js';
export { formatJUnit, formatJUnitError } from './junit.js';
