import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DIRECTIVE } from './load.js';
import type { PromptSet } from './types.js';

/** Directives whose value is a file named relative to the prompt file. */
const FILE_DIRECTIVES = new Set(['classnames', 'descriptors']);

/**
 * A prompt file holding some of a pool's templates: the pool's directives (file paths re-pointed so
 * they still resolve from `outFile`'s folder), then the chosen template lines as written, in the
 * order given. `provenance` lines go first, as `#` comments, so the file says where it came from.
 */
export async function subsetPromptFile(pool: PromptSet, lines: readonly number[], outFile: string, provenance: readonly string[]): Promise<string> {
  const source = (await readFile(pool.file, 'utf8')).split(/\r?\n/);
  const directives = source.flatMap((raw) => {
    const match = DIRECTIVE.exec(raw.trim());
    if (match === null) return [];
    const [, name, value] = match;
    if (!FILE_DIRECTIVES.has(name!.toLowerCase()) || /^random\s*\(/i.test(value!.trim())) return [raw.trim()];
    const target = path.resolve(path.dirname(pool.file), value!.trim());
    return [`#@ ${name}: ${path.relative(path.dirname(path.resolve(outFile)), target).split(path.sep).join('/')}`];
  });
  const templates = lines.map((line) => {
    const template = pool.templates.find((t) => t.line === line);
    if (template === undefined) throw new Error(`${pool.file} has no template on line ${line}`);
    return template.source;
  });
  return [...provenance.map((p) => `# ${p.replace(/\s+/g, ' ')}`.trimEnd()), ...directives, ...templates, ''].join('\n');
}
