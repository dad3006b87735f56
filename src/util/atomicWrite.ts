import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The one way ClipBench writes a file that a reader (or a crash) must never see half-written:
 * chunks are streamed into a uniquely named temporary file beside the target (so two concurrent
 * writers never share one), flushed to disk, and renamed over the target. Streaming keeps large
 * files (results.json of 60,000 images is 38 MB, a downloaded model 600 MB) from ever being one
 * string or buffer in memory. When `chunks` throws (a download cut off) or the disk fails, the
 * temporary file is removed and the target is left as it was.
 */
export async function writeChunksAtomically(
  file: string,
  chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // pipeline, not a write loop: a disk error raised while the next chunk is awaited (a slow
    // download) must reject here, not surface later as an unhandled 'error' event.
    await pipeline(Readable.from(chunks), createWriteStream(temporary, { flush: true }));
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function writeFileAtomically(file: string, text: string): Promise<void> {
  return writeChunksAtomically(file, [text]);
}
