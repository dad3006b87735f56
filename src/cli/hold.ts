import type { CacheHold } from '../cache/index.js';
import { InputError } from '../errors.js';

/** A testing and debugging aid: after committing this many image batches, wait for Ctrl-C or a kill. */
export const HOLD_ENV = 'CLIPBENCH_HOLD_AFTER_BATCHES';

/** `CLIPBENCH_HOLD_AFTER_BATCHES` as a cache hold, for every command that embeds images. */
export function holdFromEnvironment(value: string | undefined = process.env[HOLD_ENV]): CacheHold | undefined {
  if (value === undefined || value === '') return undefined;
  const batches = Number(value);
  if (!Number.isSafeInteger(batches) || batches < 1) {
    throw new InputError(`${HOLD_ENV} must be a positive whole number of image batches, got "${value}"`);
  }
  return { kind: 'image', afterBatches: batches };
}
