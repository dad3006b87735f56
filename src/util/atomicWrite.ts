import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';

/**
 * The one way ClipBench writes a file that a reader (or a crash) must never see half-written:
 * chunks are streamed into a uniquely named temporary file beside the target (so two concurrent
 * writers never share one), flushed to disk, and renamed over the target. Streaming keeps large
 * files (results.json of 60,000 images is 38 MB) from ever being one string in memory.
 */
export async function writeChunksAtomically(file: string, chunks: Iterable<string>): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const out = createWriteStream(temporary, { flush: true });
  try {
    for (const chunk of chunks) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(temporary, file);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

export function writeFileAtomically(file: string, text: string): Promise<void> {
  return writeChunksAtomically(file, [text]);
}
