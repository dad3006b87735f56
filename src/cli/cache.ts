import type { Command } from 'commander';
import { positiveNumber } from './options.js';
import { cacheDirOption, storeOption } from './storeOptions.js';

/** Which store a cache command works on: --store, else $CLIPBENCH_STORE, else SQLite in --cache-dir. */
export interface StoreChoice {
  readonly cacheDir?: string;
  readonly store?: string;
}

export interface PruneFlags extends StoreChoice {
  readonly model?: string;
  readonly olderThan?: number;
}

export interface CopyFlags {
  readonly cacheDir?: string;
  readonly model?: string;
  readonly from?: string;
  readonly to?: string;
}

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('inspect, trim and copy the embedding store');
  // Imported on use, so other commands start without loading a store's driver.
  const actions = (): Promise<typeof import('./cacheAction.js')> => import('./cacheAction.js');
  cache
    .command('stats')
    .description('entries and size per model')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .action(async (flags: StoreChoice) => (await actions()).cacheStats(flags));
  cache
    .command('prune')
    .description('delete cached embeddings of a model and/or not used for some days')
    .option('--model <id>', 'only this model (as shown by `bench cache stats`)')
    .option('--older-than <days>', 'only entries not used for this many days', positiveNumber)
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .action(async (flags: PruneFlags) => (await actions()).cachePrune(flags));
  cache
    .command('clear')
    .description('delete every cached embedding')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .action(async (flags: StoreChoice) => (await actions()).cacheClear(flags));
  cache
    .command('pull')
    .description('copy the embeddings a shared store has and the local cache lacks into the local cache')
    .requiredOption('--from <url>', 'the shared store, e.g. postgres://user@host/db')
    .option('--model <id>', 'only this model (as shown by `bench cache stats`)')
    .addOption(cacheDirOption())
    .action(async (flags: CopyFlags) => (await actions()).cacheCopy({ ...flags, to: undefined }));
  cache
    .command('push')
    .description('copy the embeddings the local cache has and a shared store lacks into that store')
    .requiredOption('--to <url>', 'the shared store, e.g. postgres://user@host/db')
    .option('--model <id>', 'only this model (as shown by `bench cache stats`)')
    .addOption(cacheDirOption())
    .action(async (flags: CopyFlags) => (await actions()).cacheCopy({ ...flags, from: undefined }));
}
