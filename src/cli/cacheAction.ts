import { defaultCacheDir, openStoreInDir, type EmbeddingStore, type ModelStats } from '../cache/index.js';
import { textTable } from '../util/textTable.js';
import type { PruneFlags } from './cache.js';

/** `bench cache stats`. */
export async function cacheStats(dir: string | undefined): Promise<void> {
  await withStore(dir, async (store) => {
    process.stdout.write(`${formatStats(store.location, await store.stats())}\n`);
  });
}

/** `bench cache prune`. */
export async function cachePrune(flags: PruneFlags): Promise<void> {
  await withStore(flags.cacheDir, async (store) => {
    const removed = await store.prune({ model: flags.model, olderThanDays: flags.olderThan });
    process.stdout.write(`removed ${removed} embedding(s) from ${store.location}\n`);
  });
}

/** `bench cache clear`. */
export async function cacheClear(dir: string | undefined): Promise<void> {
  await withStore(dir, async (store) => {
    process.stdout.write(`removed ${await store.clear()} embedding(s) from ${store.location}\n`);
  });
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
