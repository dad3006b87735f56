import { Option } from 'commander';
// location.js, not the cache's index: registering options must not load a store's driver.
import { CACHE_DIR_ENV, DEFAULT_LEASE_SECONDS, LEASE_ENV, STORE_ENV } from '../cache/location.js';
import { positiveInt } from './options.js';

/** The flags of every command that reads or fills the embedding store. */
export interface StoreFlags {
  cacheDir?: string;
  store?: string;
  leaseSeconds?: number;
}

/** --cache-dir, --store and --lease-seconds are worded once, here, for every command that embeds. */
export const cacheDirOption = (): Option =>
  new Option('--cache-dir <dir>', `local cache folder (default: $${CACHE_DIR_ENV} or the user cache folder)`);

export const storeOption = (): Option =>
  new Option(
    '--store <url>',
    `where embeddings are stored: postgres://user@host/db for a store several machines fill together (default: $${STORE_ENV}, else SQLite in the cache folder)`,
  );

export const leaseOption = (): Option =>
  new Option(
    '--lease-seconds <s>',
    `how long a claim on a batch holds unless its worker renews it (default: $${LEASE_ENV} or ${DEFAULT_LEASE_SECONDS})`,
  ).argParser(positiveInt);
