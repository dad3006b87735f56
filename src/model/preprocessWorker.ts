import { parentPort } from 'node:worker_threads';
import { decodeSource } from './decodeSource.js';
import { preprocessImage } from './preprocess.js';
import type { PreprocessRequest, PreprocessResponse } from './preprocessPool.js';

// Runs decode + resize + normalise off the main thread, so they overlap with inference.
parentPort!.on('message', (request: PreprocessRequest) => {
  void handle(request).then(({ response, transfer }) => parentPort!.postMessage(response, transfer));
});

async function handle(request: PreprocessRequest): Promise<{ response: PreprocessResponse; transfer: ArrayBuffer[] }> {
  try {
    const image = await decodeSource(request.source);
    const pixels = preprocessImage(image, request.spec);
    return { response: { id: request.id, pixels }, transfer: [pixels.buffer as ArrayBuffer] };
  } catch (error) {
    return { response: { id: request.id, error: error instanceof Error ? error.message : String(error) }, transfer: [] };
  }
}
