import { stat } from 'node:fs/promises';
import path from 'node:path';

export type PathKind = 'file' | 'dir' | 'missing' | 'other';

/** Follows symlinks, as a user naming a path expects. */
export async function pathKind(p: string): Promise<PathKind> {
  try {
    const s = await stat(p);
    if (s.isDirectory()) return 'dir';
    return s.isFile() ? 'file' : 'other';
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads a small text file (class names, descriptors) without the BOM Windows editors add. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const NEEDS_NORMALIZING = /(^|\/)\.{1,2}(\/|$)|\/\/|\\/;

/**
 * `path.resolve(dir, rel)` for an absolute `dir`, without its cost (about 4 µs a call, which is
 * most of the time spent listing 50,000 images) when plain concatenation gives the same answer.
 */
export function resolveUnder(dir: string, rel: string): string {
  if (path.sep !== '/' || rel.startsWith('/') || NEEDS_NORMALIZING.test(rel) || dir.endsWith('/')) {
    return path.resolve(dir, rel);
  }
  return `${dir}/${rel}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
