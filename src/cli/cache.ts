import type { Command } from 'commander';
import { defaultCacheDir, openStoreInDir, type EmbeddingStore, type ModelStats } from '../cache/index.js';
import { textTable } from '../util/textTable.js';
import { positiveNumber } from './options.js';

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('inspect and trim the embedding cache');
  const dirOption = ['--cache-dir <dir>', 'cache folder (default: $CLIPBENCH_CACHE_DIR or the user cache folder)'] as const;
  cache
    .command('stats')
    .description('entries and size per model')
    .option(...dirOption)
    .action(async (flags: { cacheDir?: string }) =>
      withStore(flags.cacheDir, async (store) => {
        process.stdout.write(`${formatStats(store.location, await store.stats())}\n`);
      }),
    );
  cache
    .command('prune')
    .description('delete cached embeddings of a model and/or not used for some days')
    .option('--model <id>', 'only this model (as shown by `bench cache stats`)')
    .option('--older-than <days>', 'only entries not used for this many days', positiveNumber)
    .option(...dirOption)
    .action(async (flags: { model?: string; olderThan?: number; cacheDir?: string }) =>
      withStore(flags.cacheDir, async (store) => {
        const removed = await store.prune({ model: flags.model, olderThanDays: flags.olderThan });
        process.stdout.write(`removed ${removed} embedding(s) from ${store.location}\n`);
      }),
    );
  cache
    .command('clear')
    .description('delete every cached embedding')
    .option(...dirOption)
    .action(async (flags: { cacheDir?: string }) =>
      withStore(flags.cacheDir, async (store) => {
        process.stdout.write(`removed ${await store.clear()} embedding(s) from ${store.location}\n`);
      }),
    );
}

async function withStore(dir: string | undefined, use: (store: EmbeddingStore) => Promise<void>): Promise<void> {
  const store = openStoreInDir(dir ?? defaultCacheDir(), (m) => process.stderr.write(`warning: ${m}\n`));
  try {
    await use(store);
  } finally {
    await store.close();
  }
}

export function formatStats(location: string, stats: readonly ModelStats[]): string {
  if (stats.length === 0) return `${location}: empty`;
  const rows = stats.map((s) => [s.model, s.kind, String(s.entries), formatBytes(s.bytes)]);
  const header = ['model', 'kind', 'entries', 'size'];
  const [headerLine, , ...rowLines] = textTable(header, rows, new Set([0, 1]));
  return [location, headerLine!, ...rowLines].join('\n');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
