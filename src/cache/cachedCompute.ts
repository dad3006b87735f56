import type { CachedVector, EmbeddingKind, EmbeddingStore } from './types.js';

/** A run stopped on request (Ctrl-C) after storing its last finished batch. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(readonly kept: number) {
    super(`interrupted; ${kept} embedding(s) computed in this run are kept in the cache, so a rerun resumes from there`);
  }
}

export interface CacheSession {
  /** null with --no-cache: everything is computed, nothing stored. */
  readonly store: EmbeddingStore | null;
  /** Who holds claims, so concurrent runs split the work instead of doing it twice. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly signal?: AbortSignal;
  /** A testing and debugging aid (CLIPBENCH_HOLD_AFTER_BATCHES): stop at a known point of a run. */
  readonly hold?: CacheHold;
}

/**
 * After committing `afterBatches` batches of `kind`, the run waits until `signal` aborts (then stops
 * as on any Ctrl-C) or the process is killed, so a test can interrupt it at an exact count instead
 * of racing it.
 */
export interface CacheHold {
  readonly kind: EmbeddingKind;
  readonly afterBatches: number;
}

export interface CachedComputeOptions<T, P> {
  readonly kind: EmbeddingKind;
  /** Readable model label for cache stats. */
  readonly model: string;
  /** Work items with their cache keys; items sharing a key are computed once. */
  readonly items: readonly { readonly key: string; readonly item: T }[];
  /** CPU-side work for a batch (decode, preprocess, tokenize); runs ahead, overlapping `compute`. */
  readonly prepare: (batch: readonly T[]) => Promise<P>;
  /** Inference on a prepared batch: one result per item, a vector or the error that makes it unusable. */
  readonly compute: (prepared: P) => Promise<(CachedVector | Error)[]>;
  readonly batchSize: number;
  readonly session: CacheSession;
  readonly onProgress?: (done: number) => void;
  /** Told how many batches other workers still hold while this one has nothing left to compute (0: none). */
  readonly onWaiting?: (batches: number) => void;
}

export interface CachedComputeResult {
  readonly vectors: ReadonlyMap<string, CachedVector>;
  readonly failures: ReadonlyMap<string, Error>;
  readonly hits: number;
  readonly computed: number;
}

/** Polls for other runs' batches: 200 ms, backing off to 2 s while nothing arrives, so hundreds of waiting workers stay cheap for a shared server. */
const POLL_MS = 200;
const MAX_POLL_MS = 2_000;
/** Batches prepared ahead of the one in inference: enough to hide decoding, few enough to keep memory flat. */
const PIPELINE_DEPTH = 2;

/**
 * Looks every key up, then computes the misses batch by batch, storing each batch as one
 * transaction: a crash loses at most the batches in flight. While one batch is in inference the
 * next ones are prepared. Keys another live run has claimed are left to it and picked up from the
 * store once it has written them.
 */
export async function cachedCompute<T, P>(options: CachedComputeOptions<T, P>): Promise<CachedComputeResult> {
  const { store, owner, signal } = options.session;
  const byKey = new Map(options.items.map((i) => [i.key, i.item]));
  const vectors = new Map(store ? await store.get([...byKey.keys()]) : []);
  const failures = new Map<string, Error>();
  const hits = vectors.size;
  options.onProgress?.(hits);
  const work = claimQueue(
    [...byKey.keys()].filter((k) => !vectors.has(k)),
    options,
    (found) => {
      found.forEach((v, k) => vectors.set(k, v));
      options.onProgress?.(found.size);
    },
  );
  const ahead: { keys: string[]; prepared: Promise<P> }[] = [];
  const fill = async (): Promise<void> => {
    while (ahead.length < PIPELINE_DEPTH && !signal?.aborted) {
      const keys = await work.take();
      if (keys === null) return;
      const prepared = options.prepare(keys.map((k) => byKey.get(k)!));
      prepared.catch(() => undefined); // awaited below; this only avoids an unhandled-rejection warning meanwhile
      ahead.push({ keys, prepared });
    }
  };
  let computed = 0;
  let batches = 0;
  const hold = options.session.hold?.kind === options.kind ? options.session.hold.afterBatches : null;
  const stopRenewing = keepLeases(options.session);
  const pause = backoff();
  try {
    for (;;) {
      if (signal?.aborted) {
        await store?.release(owner);
        throw new InterruptedError(computed);
      }
      await fill();
      const next = ahead.shift();
      if (!next) {
        if (work.done()) break;
        // Only keys other runs are computing remain.
        const waiting = work.waitingBatches();
        options.onWaiting?.(waiting);
        await pause(waiting);
        continue;
      }
      const inference = options.compute(await next.prepared);
      await fill();
      const results = await inference;
      computed += await storeBatch(next.keys, results, options, vectors, failures);
      options.onProgress?.(next.keys.length);
      if (++batches === hold) await untilAborted(signal);
    }
  } finally {
    stopRenewing();
  }
  options.onWaiting?.(0);
  return { vectors, failures, hits, computed };
}

/**
 * Renews this run's claims every third of the lease while it works, so a batch that takes longer
 * than the lease is never taken over from a live worker; a killed worker stops renewing and its
 * claims lapse one lease later.
 */
function keepLeases(session: CacheSession): () => void {
  const { store, owner, leaseMs } = session;
  if (!store) return () => undefined;
  // A failed renewal is retried by the store itself and again at the next tick.
  const timer = setInterval(() => void store.renew(owner, leaseMs).catch(() => undefined), Math.max(100, leaseMs / 3));
  timer.unref();
  return () => clearInterval(timer);
}

/** The wait before the next poll: it doubles while the number of batches waited for stays the same. */
function backoff(): (waiting: number) => Promise<void> {
  let idle = 0;
  let last = -1;
  return (waiting) => {
    idle = waiting === last ? idle + 1 : 0;
    last = waiting;
    return sleep(Math.min(MAX_POLL_MS, POLL_MS * 2 ** idle));
  };
}

async function storeBatch<T, P>(
  keys: readonly string[],
  results: readonly (CachedVector | Error)[],
  options: CachedComputeOptions<T, P>,
  vectors: Map<string, CachedVector>,
  failures: Map<string, Error>,
): Promise<number> {
  const { store, owner } = options.session;
  const failed: string[] = [];
  const entries = keys.flatMap((key, i) => {
    const r = results[i]!;
    if (r instanceof Error) {
      failures.set(key, r);
      failed.push(key);
      return [];
    }
    vectors.set(key, r);
    return [{ key, kind: options.kind, model: options.model, vector: r.vector, flags: r.flags }];
  });
  await store?.put(entries, owner);
  // A failed item is no one's to compute: let waiting runs try it themselves instead of waiting.
  if (failed.length > 0) await store?.release(owner, failed);
  return entries.length;
}

interface ClaimQueue {
  /** The next batch of keys this run now holds, or null when none can be had right now. */
  take(): Promise<string[] | null>;
  /** True once every key is claimed by this run or has arrived from another. */
  done(): boolean;
  /** Batches' worth of keys other runs still hold. */
  waitingBatches(): number;
}

/** Keys held by others are looked for this many at a time, oldest first: a poll costs the same at 1k items or 1M. */
const LOOK_AHEAD = 4096;

/** Hands out batches of missing keys this run has claimed; keys held by other runs wait in `deferred`. */
function claimQueue<T, P>(
  missing: readonly string[],
  options: CachedComputeOptions<T, P>,
  onArrived: (found: ReadonlyMap<string, CachedVector>) => void,
): ClaimQueue {
  const { store, owner, leaseMs } = options.session;
  const size = options.batchSize;
  // A cursor, not `queue = queue.slice(size)`: re-copying the rest of the queue on every batch made
  // the cost per item grow with the number of items (0.24 s at 60k keys, 35 s at 600k).
  let next = 0;
  const deferred: string[] = [];
  const claim = async (keys: string[]): Promise<string[]> => (store ? store.claim(keys, owner, leaseMs) : keys);
  /** Collects what arrived at the head of `deferred`; returns the keys there still missing. */
  const poll = async (head: string[]): Promise<string[]> => {
    const arrived = await store!.get(head);
    onArrived(arrived);
    return head.filter((k) => !arrived.has(k));
  };
  return {
    async take() {
      while (next < missing.length) {
        const window = missing.slice(next, next + size);
        next += window.length;
        const mine = new Set(await claim(window));
        deferred.push(...window.filter((k) => !mine.has(k)));
        if (mine.size > 0) return [...mine];
      }
      while (deferred.length > 0 && store) {
        const end = Math.min(deferred.length, LOOK_AHEAD);
        const left = await poll(deferred.slice(0, end));
        // A lapsed claim (its worker died) is taken over here, one batch at a time.
        const mine = new Set(await claim(left.slice(0, size)));
        const still = left.filter((k) => !mine.has(k));
        deferred.splice(0, end, ...still);
        if (mine.size > 0) return [...mine];
        if (still.length > 0) return null;
      }
      return null;
    },
    done: () => next >= missing.length && deferred.length === 0,
    waitingBatches: () => Math.ceil(deferred.length / size),
  };
}

/** Waits for `signal` to abort, forever without one; the claims of the batches prepared ahead stay held meanwhile. */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    // A pending promise alone does not keep Node running: without a timer the process would just exit.
    const keepAlive = setInterval(() => undefined, 60_000);
    const done = (): void => {
      clearInterval(keepAlive);
      resolve();
    };
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
