import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import writeFileAtomic from 'write-file-atomic';

/**
 * The one way ClipBench writes a file that a reader (or a crash) must never see half-written:
 * write-file-atomic writes a uniquely named temporary file beside it (so two concurrent writers
 * never share one), fsyncs it and renames it over the target.
 */
export async function writeFileAtomically(file: string, data: string | Buffer): Promise<void> {
  await writeFileAtomic(file, data);
}

export function writeFileAtomicallySync(file: string, data: string | Buffer): void {
  writeFileAtomic.sync(file, data);
}

/**
 * The same guarantee for text too large to hold as one string (results.json of 60,000 images is
 * 38 MB, and its UTF-8 copy as much again): chunks are streamed into a unique temporary file,
 * which is flushed to disk and renamed over the target.
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
