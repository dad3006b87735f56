import type { Command } from 'commander';
import { positiveNumber } from './options.js';

export interface PruneFlags {
  readonly model?: string;
  readonly olderThan?: number;
  readonly cacheDir?: string;
}

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('inspect and trim the embedding cache');
  const dirOption = ['--cache-dir <dir>', 'cache folder (default: $CLIPBENCH_CACHE_DIR or the user cache folder)'] as const;
  // Imported on use, so other commands start without loading SQLite.
  const actions = (): Promise<typeof import('./cacheAction.js')> => import('./cacheAction.js');
  cache
    .command('stats')
    .description('entries and size per model')
    .option(...dirOption)
    .action(async (flags: { cacheDir?: string }) => (await actions()).cacheStats(flags.cacheDir));
  cache
    .command('prune')
    .description('delete cached embeddings of a model and/or not used for some days')
    .option('--model <id>', 'only this model (as shown by `bench cache stats`)')
    .option('--older-than <days>', 'only entries not used for this many days', positiveNumber)
    .option(...dirOption)
    .action(async (flags: PruneFlags) => (await actions()).cachePrune(flags));
  cache
    .command('clear')
    .description('delete every cached embedding')
    .option(...dirOption)
    .action(async (flags: { cacheDir?: string }) => (await actions()).cacheClear(flags.cacheDir));
}
