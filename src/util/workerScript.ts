import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../version.js';

/**
 * The file a worker thread runs: the compiled `relativeJs` beside the calling module (its
 * `import.meta.url`). Under vitest the caller is a TypeScript source in src/, and a Worker cannot
 * run .ts, so the built copy at the same place under dist/ is used (`tsc` must have run).
 */
export function workerScript(moduleUrl: string, relativeJs: string): string {
  const beside = fileURLToPath(new URL(relativeJs, moduleUrl));
  if (existsSync(beside)) return beside;
  const fromSrc = path.relative(path.join(PACKAGE_ROOT, 'src'), beside);
  // Outside src/ there is no built twin to fall back on; the Worker's own error then names the file.
  if (fromSrc.startsWith('..') || path.isAbsolute(fromSrc)) return beside;
  return path.join(PACKAGE_ROOT, 'dist', fromSrc);
}
