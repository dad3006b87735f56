import type { EmbeddingStore, PruneFilter } from './types.js';

export interface CopyResult {
  /** Entries written to the target. */
  readonly copied: number;
  /** Entries the target already had (left as they were). */
  readonly present: number;
}

/** Entries per page read from the source and written to the target in one transaction. */
const PAGE = 1000;

/**
 * Copies every entry of `from` (one model's, with a filter) that `to` lacks, a page per
 * transaction: an interrupted copy keeps what it wrote and a rerun goes on from there.
 */
export async function copyEntries(
  from: EmbeddingStore,
  to: EmbeddingStore,
  options: {
    readonly filter?: Pick<PruneFilter, 'model'>;
    readonly owner: string;
    readonly onProgress?: (done: number) => void;
    readonly signal?: AbortSignal;
  },
): Promise<CopyResult> {
  let copied = 0;
  let present = 0;
  for await (const page of from.scan(options.filter ?? {}, PAGE)) {
    options.signal?.throwIfAborted();
    const there = await to.has(page.map((e) => e.key));
    const missing = page.filter((e) => !there.has(e.key));
    await to.put(missing, options.owner);
    copied += missing.length;
    present += there.size;
    options.onProgress?.(page.length);
  }
  return { copied, present };
}
