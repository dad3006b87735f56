import {
  copyEntries,
  defaultCacheDir,
  defaultStore,
  newOwnerId,
  openEmbeddingStore,
  type EmbeddingStore,
  type ModelStats,
} from '../cache/index.js';
import { textTable } from '../util/textTable.js';
import type { CopyFlags, PruneFlags, StoreChoice } from './cache.js';
import { withInterrupt } from './interrupt.js';

/** `bench cache stats`. */
export async function cacheStats(flags: StoreChoice): Promise<void> {
  await withStore(storeSpec(flags), async (store) => {
    process.stdout.write(`${formatStats(store.location, await store.stats())}\n`);
  });
}

/** `bench cache prune`. */
export async function cachePrune(flags: PruneFlags): Promise<void> {
  await withStore(storeSpec(flags), async (store) => {
    const removed = await store.prune({ model: flags.model, olderThanDays: flags.olderThan });
    process.stdout.write(`removed ${removed} embedding(s) from ${store.location}\n`);
  });
}

/** `bench cache clear`. */
export async function cacheClear(flags: StoreChoice): Promise<void> {
  await withStore(storeSpec(flags), async (store) => {
    process.stdout.write(`removed ${await store.clear()} embedding(s) from ${store.location}\n`);
  });
}

/** `bench cache pull --from <url>` and `bench cache push --to <url>`: the other end is the local cache. */
export async function cacheCopy(flags: CopyFlags): Promise<void> {
  const local = flags.cacheDir ?? defaultCacheDir();
  await withStore(flags.from ?? local, (from) =>
    withStore(flags.to ?? local, async (to) => {
      const { copied, present } = await withInterrupt((signal) =>
        copyEntries(from, to, { filter: { model: flags.model }, owner: newOwnerId(), signal }),
      );
      process.stdout.write(`copied ${copied} embedding(s) from ${from.location} to ${to.location}; ${present} were there already\n`);
    }),
  );
}

function storeSpec(flags: StoreChoice): string {
  return flags.store ?? defaultStore() ?? flags.cacheDir ?? defaultCacheDir();
}

async function withStore(spec: string, use: (store: EmbeddingStore) => Promise<void>): Promise<void> {
  const store = await openEmbeddingStore(spec, { onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
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
