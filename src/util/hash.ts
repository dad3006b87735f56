import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from './atomicWrite.js';

export function sha256(data: Uint8Array | string, encoding: 'hex' | 'base64' = 'hex'): string {
  return createHash('sha256').update(data).digest(encoding);
}

/** Streamed, so a 600 MB ONNX file is never held in memory at once. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

type Memo = Record<string, { size: number; mtimeMs: number; sha256: string }>;

/**
 * sha256 of large files (ONNX weights: 600 MB for ViT-B/32 costs seconds to hash), remembered
 * by path, size and mtime in `memoFile`, so a warm run does not re-read the weights.
 */
export async function memoizedSha256(file: string, memoFile: string | null): Promise<string> {
  const info = await stat(file);
  const memo = memoFile ? await readMemo(memoFile) : {};
  const known = memo[file];
  // Whole milliseconds: sub-millisecond mtime precision differs between filesystems and tools.
  const mtimeMs = Math.floor(info.mtimeMs);
  if (known && known.size === info.size && known.mtimeMs === mtimeMs) return known.sha256;
  const hash = await sha256File(file);
  if (memoFile) await updateMemo(memoFile, { [file]: { size: info.size, mtimeMs, sha256: hash } });
  return hash;
}

let writes: Promise<void> = Promise.resolve();

/** Read-merge-write, one at a time in this process, so the two towers' hashes never overwrite each other. */
function updateMemo(memoFile: string, entries: Memo): Promise<void> {
  writes = writes.then(async () =>
    writeFileAtomically(path.resolve(memoFile), JSON.stringify({ ...(await readMemo(memoFile)), ...entries })),
  );
  return writes;
}

async function readMemo(file: string): Promise<Memo> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Memo;
  } catch {
    // Missing or unreadable: it is only a memo, so start afresh.
    return {};
  }
}
