import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImageSource } from '../datasets/types.js';
import { PACKAGE_ROOT } from '../version.js';
import type { PreprocessSpec } from './types.js';

export interface PreprocessRequest {
  readonly id: number;
  readonly source: ImageSource;
  readonly spec: PreprocessSpec;
}

/** A request with what to transfer alongside it. */
export interface PreprocessMessage {
  readonly request: PreprocessRequest;
  readonly transfer: ArrayBuffer[];
}

export type PreprocessResponse = { readonly id: number; readonly pixels: Float32Array } | { readonly id: number; readonly error: string };

export interface PreprocessPool {
  /** Decodes and preprocesses one image on a worker thread; rejects with the decode error. */
  preprocess(source: ImageSource, spec: PreprocessSpec): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * Builds what is posted to a worker. Posting a typed array clones its whole underlying buffer, not
 * just the view: an IDX record is a 784-byte view into the split's decompressed file (47 MB for
 * Fashion-MNIST train), and posting it as is cost 47 MB of copying and garbage per image. So the
 * image's own bytes are copied here (size of the image, whatever backs it) and that copy, ours
 * alone, is transferred rather than cloned. A copy is chosen over sharing the file once through a
 * SharedArrayBuffer because it holds for any in-memory source, not only one that remembered to
 * allocate shared memory, and 784 bytes cost nothing next to preprocessing.
 */
export function preprocessMessage(id: number, source: ImageSource, spec: PreprocessSpec): PreprocessMessage {
  // Files and packed images travel as their small locator; the worker reads the bytes itself.
  if (source.kind !== 'pixels') return { request: { id, source, spec }, transfer: [] };
  // new Uint8Array(view) copies, even for a Buffer (whose slice() would return another view).
  const data = new Uint8Array(source.image.data);
  const image = { ...source.image, data };
  return { request: { id, source: { kind: 'pixels', image }, spec }, transfer: [data.buffer] };
}

/**
 * One worker per four cores (at least one): inference already uses every core, so decoding only
 * needs enough threads to keep the next batch ready, not to compete with onnxruntime.
 */
export function defaultWorkerCount(cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 4));
}

export function createPreprocessPool(size = defaultWorkerCount()): PreprocessPool {
  const workers = Array.from({ length: size }, () => new Worker(workerScript()));
  const pending = new Map<number, { resolve: (p: Float32Array) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  for (const worker of workers) {
    worker.unref();
    worker.on('message', (response: PreprocessResponse) => {
      const waiter = pending.get(response.id)!;
      pending.delete(response.id);
      if ('pixels' in response) waiter.resolve(response.pixels);
      else waiter.reject(new Error(response.error));
    });
    worker.on('error', (error) => {
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  }
  return {
    preprocess: (source, spec) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        const { request, transfer } = preprocessMessage(id, source, spec);
        workers[id % workers.length]!.postMessage(request, transfer);
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The compiled worker; under vitest (TypeScript sources) the built copy in dist/ is used. */
function workerScript(): string {
  const beside = fileURLToPath(new URL('./preprocessWorker.js', import.meta.url));
  return existsSync(beside) ? beside : fileURLToPath(new URL('dist/model/preprocessWorker.js', `file://${PACKAGE_ROOT}`));
}
