import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDataset, type ClassificationItem } from '../src/datasets/index.js';
import { preprocessImage } from '../src/model/preprocess.js';
import { createPreprocessPool, preprocessMessage, type PreprocessRequest } from '../src/model/preprocessPool.js';
import type { DecodedImage, PreprocessSpec } from '../src/model/types.js';

// Issue 12: an IDX record is a view into its split's whole decompressed file, and posting a view to
// a worker clones the whole buffer (47 MB per image on Fashion-MNIST train). These tests pin what
// is posted, not how fast it is.

const FASHION = '/usr/share/datasets/fashion-mnist';
const hasFashion = existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz'));
const SIDE = 28;
const COUNT = 200;
const SPEC: PreprocessSpec = { mode: 'clip', size: 56, cropSize: 56, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };

let tmp = '';
let items: readonly ClassificationItem[] = [];
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'clipbench-idx-memory-'));
  const header = (values: number[]): Buffer => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeUInt32BE(v, i * 4));
    return b;
  };
  // Distinct images, so a message carrying the wrong record would show.
  const pixels = Buffer.from(Array.from({ length: COUNT * SIDE * SIDE }, (_, i) => (i * 7 + Math.floor(i / 784)) % 256));
  await writeFile(path.join(tmp, 't10k-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([header([0x803, COUNT, SIDE, SIDE]), pixels])));
  await writeFile(
    path.join(tmp, 't10k-labels-idx1-ubyte'),
    Buffer.concat([header([0x801, COUNT]), Buffer.from(Array.from({ length: COUNT }, (_, i) => i % 10))]),
  );
  items = (await loadDataset(tmp, { cwd: tmp, datasetsDir: tmp })).items;
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function pixelsOf(item: ClassificationItem): DecodedImage {
  if (item.source.kind !== 'pixels') throw new Error('IDX items carry their pixels');
  return item.source.image;
}

/** What a worker would receive: the request after a real structured clone with its transfer list. */
async function deliver(request: PreprocessRequest, transfer: ArrayBuffer[]): Promise<PreprocessRequest> {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<PreprocessRequest>((resolve) => port2.once('message', resolve));
  port1.postMessage(request, transfer);
  try {
    return await received;
  } finally {
    port1.close();
    port2.close();
  }
}

describe('worker messages for in-memory images', () => {
  it('IDX items are views into the whole file (the trap the message must avoid)', () => {
    const data = pixelsOf(items[5]!).data;
    expect(data.byteLength).toBe(SIDE * SIDE);
    expect(data.buffer.byteLength).toBeGreaterThanOrEqual(COUNT * SIDE * SIDE);
  });

  it('carries only the image’s bytes, in a buffer of its own that is transferred', () => {
    const image = pixelsOf(items[5]!);
    const { request, transfer } = preprocessMessage(7, items[5]!.source, SPEC);
    expect(request.id).toBe(7);
    expect(request.spec).toBe(SPEC);
    if (request.source.kind !== 'pixels') throw new Error('a pixels source stays a pixels source');
    const sent = request.source.image;
    expect({ width: sent.width, height: sent.height, channels: sent.channels }).toEqual({ width: SIDE, height: SIDE, channels: 1 });
    expect(sent.data.byteLength).toBe(SIDE * SIDE);
    expect(sent.data.buffer.byteLength).toBe(SIDE * SIDE);
    expect(transfer).toEqual([sent.data.buffer]);
    expect(sent.data.buffer).not.toBe(image.data.buffer);
    expect(Buffer.from(sent.data).equals(Buffer.from(image.data))).toBe(true);
  });

  it('what arrives on the other side is 784 bytes, and the dataset keeps its pixels', async () => {
    const before = Buffer.from(pixelsOf(items[9]!).data);
    const { request, transfer } = preprocessMessage(1, items[9]!.source, SPEC);
    const received = await deliver(request, transfer);
    if (received.source.kind !== 'pixels') throw new Error('a pixels source stays a pixels source');
    expect(received.source.image.data.buffer.byteLength).toBe(SIDE * SIDE);
    expect(Buffer.from(received.source.image.data).equals(before)).toBe(true);
    // Transferring detached our copy only; the dataset's buffer is untouched and still readable.
    expect(pixelsOf(items[9]!).data.byteLength).toBe(SIDE * SIDE);
    expect(Buffer.from(pixelsOf(items[9]!).data).equals(before)).toBe(true);
  });

  it('a file source goes as its path, with nothing to transfer', () => {
    const source = { kind: 'file', path: '/data/cat.jpg' } as const;
    expect(preprocessMessage(3, source, SPEC)).toEqual({ request: { id: 3, source, spec: SPEC }, transfer: [] });
  });

  it('the pool posts such messages and preprocesses IDX items exactly as the main thread would', async () => {
    // Sizes are read as each message is posted: once transferred, the sent buffer is detached (0 bytes).
    const sentBuffers: number[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kept before the spy replaces it; applied to the worker below
    const post = Worker.prototype.postMessage;
    const posted = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (
      this: Worker,
      ...args: Parameters<Worker['postMessage']>
    ) {
      const source = (args[0] as PreprocessRequest).source;
      sentBuffers.push(source.kind === 'pixels' ? source.image.data.buffer.byteLength : -1);
      post.apply(this, args);
    });
    const pool = createPreprocessPool(1);
    try {
      const chosen = [0, 57, COUNT - 1].map((i) => items[i]!);
      const fromPool = await Promise.all(chosen.map((item) => pool.preprocess(item.source, SPEC)));
      chosen.forEach((item, k) => expect(fromPool[k]).toEqual(preprocessImage(pixelsOf(item), SPEC)));
      expect(sentBuffers).toEqual([SIDE * SIDE, SIDE * SIDE, SIDE * SIDE]);
    } finally {
      posted.mockRestore();
      await pool.close();
    }
  });

  it.skipIf(!hasFashion)('on Fashion-MNIST train, one image’s message is 784 bytes, not the 47 MB file', async () => {
    const train = await loadDataset(FASHION, { cwd: FASHION, datasetsDir: FASHION, split: 'train' });
    const item = train.items[12345]!;
    expect(pixelsOf(item).data.buffer.byteLength).toBeGreaterThanOrEqual(60000 * 784);
    const { request, transfer } = preprocessMessage(0, item.source, SPEC);
    const received = await deliver(request, transfer);
    if (received.source.kind !== 'pixels') throw new Error('a pixels source stays a pixels source');
    expect(received.source.image.data.buffer.byteLength).toBe(784);
  });
});
