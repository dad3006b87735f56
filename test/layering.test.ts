import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/**
 * The data flow, written down once: a folder may import only folders before it. Leaves first
 * (util, stats), then the stages in the order data passes through them, then what ties them
 * together. src/*.ts at the top level (errors, version, the package entry) are outside the order.
 */
export const STAGE_ORDER = [
  'util',
  'stats',
  'datasets',
  'prompts',
  'model',
  'cache',
  'config',
  'metrics',
  'results',
  'history',
  'compare',
  'report',
  'run',
  'vectorindex',
  'label',
  'doctor',
  'suite',
  'cli',
] as const;

const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Static and dynamic imports of relative modules, as folder names under src/. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specifiers.flatMap((spec) => {
    const target = path.relative(SRC, path.resolve(path.dirname(file), spec));
    const [top, ...rest] = target.split(path.sep);
    return rest.length > 0 && top !== undefined ? [top] : [];
  });
}

describe('folders under src/ follow the data flow', () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  it('every folder has its place in the order', () => {
    expect(folders.filter((f) => !(STAGE_ORDER as readonly string[]).includes(f))).toEqual([]);
  });

  it('no folder imports a folder later in the flow', () => {
    const rank = new Map<string, number>(STAGE_ORDER.map((f, i) => [f, i]));
    const backEdges = folders.flatMap((folder) =>
      sourceFiles(path.join(SRC, folder)).flatMap((file) =>
        importedFolders(file)
          .filter((to) => to !== folder && (rank.get(to) ?? -1) > (rank.get(folder) ?? -1))
          .map((to) => `${path.relative(SRC, file)} imports ${to}/`),
      ),
    );
    expect([...new Set(backEdges)]).toEqual([]);
  });
});
