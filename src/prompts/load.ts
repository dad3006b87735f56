import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileTemplate } from './template.js';
import { PromptError, type PromptSet, type PromptTemplate } from './types.js';

const DIRECTIVE = /^#@\s*([a-z-]+)\s*:\s*(.*)$/i;

/**
 * Reads a prompt file: one Handlebars template per non-empty line; lines starting with `#` are
 * comments; `#@ classnames: <file.json>` names a JSON object of class-name overrides.
 */
export async function loadPromptSet(file: string): Promise<PromptSet> {
  const absolute = path.resolve(file);
  const text = await readPromptFile(absolute);
  const templates: PromptTemplate[] = [];
  let overrides: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const where = `${absolute}:${index + 1}`;
    const line = raw.trim();
    const directive = DIRECTIVE.exec(line);
    if (directive) overrides = await readDirective(directive[1]!, directive[2]!.trim(), absolute, where);
    else if (line !== '' && !line.startsWith('#')) templates.push(compileTemplate(line, index + 1, where));
  }
  if (templates.length === 0) {
    throw new PromptError(`${absolute}: no templates; write one template per line, e.g. "a photo of a {{label}}."`);
  }
  return { name: path.basename(absolute).replace(/\.hbs$/, ''), file: absolute, templates, classNameOverrides: overrides };
}

/** Renders every template for every class: [class][template]. */
export function renderClassPrompts(set: PromptSet, classNames: readonly string[]): string[][] {
  checkOverrides(set, classNames);
  return classNames.map((name) => {
    const label = set.classNameOverrides[name] ?? name;
    return set.templates.map((t) => t.render({ label }));
  });
}

async function readPromptFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : String(error);
    throw new PromptError(`cannot read prompt file ${file}: ${reason}`);
  }
}

async function readDirective(name: string, value: string, file: string, where: string): Promise<Record<string, string>> {
  if (name.toLowerCase() !== 'classnames') {
    throw new PromptError(`${where}: unknown directive "#@ ${name}"; the only directive is "#@ classnames: <file.json>"`);
  }
  const target = path.resolve(path.dirname(file), value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(target, 'utf8'));
  } catch (error) {
    throw new PromptError(`${where}: cannot read class-name overrides ${target}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PromptError(`${target}: expected a JSON object mapping class names to the words to use in prompts`);
  }
  for (const [key, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw new PromptError(`${target}: the value for "${key}" must be a string`);
  }
  return parsed as Record<string, string>;
}

function checkOverrides(set: PromptSet, classNames: readonly string[]): void {
  const unknown = Object.keys(set.classNameOverrides).filter((k) => !classNames.includes(k));
  if (unknown.length > 0) {
    throw new PromptError(
      `${set.file}: class-name overrides name classes the dataset does not have: ${unknown.map((u) => JSON.stringify(u)).join(', ')}`,
    );
  }
}

/** Loads several prompt files; names must be unique, so same-named files get their folder prefixed. */
export async function loadPromptSets(files: readonly string[]): Promise<PromptSet[]> {
  const sets = await Promise.all(files.map(loadPromptSet));
  const counts = new Map<string, number>();
  sets.forEach((s) => counts.set(s.name, (counts.get(s.name) ?? 0) + 1));
  const named = sets.map((s) =>
    counts.get(s.name)! > 1 ? { ...s, name: `${path.basename(path.dirname(s.file))}/${s.name}` } : s,
  );
  const seen = new Set<string>();
  for (const s of named) {
    if (seen.has(s.name)) throw new PromptError(`${s.file}: given twice; each prompt file may appear once per run`);
    seen.add(s.name);
  }
  return named;
}

/** The prompt set of a retrieval run without prompt files: each caption fed to the model unchanged. */
export function captionsAsTheyAre(): PromptSet {
  return { name: 'captions', file: '', templates: [compileTemplate('{{caption}}', 1, '(captions as they are)')], classNameOverrides: {} };
}
