import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../util/atomicWrite.js';
import type { RetrievalResults } from './retrievalSchema.js';
import type { Results } from './schema.js';

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

/** Writes results.json atomically, so a crash never leaves half a file behind. */
export async function writeResults(runDir: string, results: Results | RetrievalResults): Promise<string> {
  const file = path.join(runDir, 'results.json');
  await writeFileAtomically(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
