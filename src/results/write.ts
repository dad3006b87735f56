import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeChunksAtomically } from '../util/atomicWrite.js';
import type { AnyResults } from './views.js';

/** A sortable, collision-resistant run id: UTC time plus a random suffix. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

/** Creates reports/<run-id>/, failing rather than reusing a folder: runs never overwrite each other. */
export async function createRunDir(outDir: string, runId: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const dir = path.join(outDir, runId);
  await mkdir(dir);
  return dir;
}

/**
 * Writes results.json atomically, so a crash never leaves half a file behind, and streamed one
 * top-level field and one array element at a time, so a run's peak memory does not grow with its
 * size. The bytes are exactly `JSON.stringify(results, null, 2)` and a newline.
 */
export async function writeResults(runDir: string, results: AnyResults): Promise<string> {
  const file = path.join(runDir, 'results.json');
  await writeChunksAtomically(file, prettyJsonChunks(results));
  return file;
}

/** `JSON.stringify(value, null, 2) + "\n"` of an object, in pieces no larger than one array element. */
export function* prettyJsonChunks(value: object): Generator<string> {
  // JSON strings never hold a raw newline, so re-indenting a nested value by its newlines is exact.
  const nested = (v: unknown, indent: string): string => (JSON.stringify(v, null, 2) ?? 'null').replace(/\n/g, `\n${indent}`);
  const fields = Object.entries(value).filter(([, v]) => v !== undefined);
  if (fields.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (const [i, [key, v]] of fields.entries()) {
    yield `  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0) {
      yield '[\n';
      for (const [j, element] of (v as unknown[]).entries()) yield `    ${nested(element, '    ')}${j < v.length - 1 ? ',' : ''}\n`;
      yield '  ]';
    } else {
      yield nested(v, '  ');
    }
    yield i < fields.length - 1 ? ',\n' : '\n';
  }
  yield '}\n';
}
