/** Statistics with no knowledge of runs or files: intervals, paired tests, resampling. */
export { acc1Interval, wilsonInterval, Z_95, type Interval } from './wilson.js';
export { mcnemarExactP, discordance, type Discordance } from './mcnemar.js';
export {
  pairedBootstrap,
  DEFAULT_BOOTSTRAP,
  MIN_RESAMPLES,
  type BootstrapSettings,
  type PairedSample,
  type PairedIntervals,
} from './bootstrap.js';
export { Mulberry32 } from './prng.js';
export { quantileSorted } from './quantile.js';
export { pairedAcc1, ALPHA, type PairedAcc1, type PromptSetContrast } from './paired.js';
