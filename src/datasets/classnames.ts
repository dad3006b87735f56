import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isNotFound, plural, stripBom } from './fsutil.js';
import { InputError } from './types.js';

/** Readable class names: a list in label order, or a map from folder name to readable name. */
export type ClassNameMapping = readonly string[] | Readonly<Record<string, string>>;

export interface ClassNamesFile {
  readonly file: string;
  readonly mapping: ClassNameMapping;
}

export const CLASSNAMES_TXT = 'classnames.txt';
export const CLASSNAMES_JSON = 'classnames.json';

/** Finds `classnames.txt` / `classnames.json` in `dir`; two of them would be ambiguous. */
export async function findClassNames(
  dir: string,
  names: readonly string[] = [CLASSNAMES_TXT, CLASSNAMES_JSON],
): Promise<ClassNamesFile | undefined> {
  const found: ClassNamesFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await readOptional(file);
    if (text === undefined) continue;
    const mapping = name.endsWith('.json') ? parseJsonNames(text, file) : parseTxtNames(text, file);
    found.push({ file, mapping });
  }
  if (found.length > 1) {
    throw new InputError(`both ${found.map((f) => f.file).join(' and ')} exist: keep only one of them`);
  }
  return found[0];
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** One name per line, or `folder<TAB>name` lines (the first tab decides for the whole file). */
export function parseTxtNames(text: string, file: string): ClassNameMapping {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.some((l) => l.includes('\t')) ? parseTabLines(lines, file) : parseNameLines(lines, file);
}

function parseNameLines(lines: readonly string[], file: string): string[] {
  return lines.map((line, i) => {
    const name = line.trim();
    if (name === '') throw new InputError(`${file}:${i + 1}: empty class name; write one name per line`);
    return name;
  });
}

function parseTabLines(lines: readonly string[], file: string): Record<string, string> {
  const map = Object.create(null) as Record<string, string>;
  lines.forEach((line, i) => {
    const tab = line.indexOf('\t');
    const folder = line.slice(0, tab).trim();
    const name = line.slice(tab + 1).trim();
    if (tab < 0 || folder === '' || name === '') {
      throw new InputError(`${file}:${i + 1}: expected "folder<TAB>readable name" like every other line`);
    }
    if (folder in map) throw new InputError(`${file}:${i + 1}: folder "${folder}" is named twice; keep one line`);
    map[folder] = name;
  });
  return map;
}

export function parseJsonNames(text: string, file: string): ClassNameMapping {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file} is not valid JSON (${(err as Error).message}); fix the syntax`);
  }
  return checkMapping(value, file);
}

/** Checks a parsed JSON value (classnames.json or a descriptor's `classnames`). */
export function checkMapping(value: unknown, where: string): ClassNameMapping {
  const hint = 'expected an array of names in folder order or an object mapping folder name to name';
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkName(v, `${where}: entry ${i}`));
    return value as string[];
  }
  if (typeof value !== 'object' || value === null) throw new InputError(`${where}: ${hint}`);
  const map = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value)) map[key] = checkName(v, `${where}: "${key}"`);
  return map;
}

function checkName(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(`${where} must be a non-empty string`);
  }
  return value.trim();
}

/** Readable names for sorted class folders; every folder needs exactly one name. */
export function namesForFolders(folders: readonly string[], mapping: ClassNameMapping, source: string): string[] {
  if (isList(mapping)) return listForFolders(folders, mapping, source);
  const unknown = Object.keys(mapping).find((key) => !folders.includes(key));
  if (unknown !== undefined) {
    throw new InputError(`${source} names folder "${unknown}", which is not a class folder; remove it or add the folder`);
  }
  return folders.map((folder) => {
    const name = mapping[folder];
    if (name === undefined) throw new InputError(`${source} has no name for class folder "${folder}"; add one`);
    return name;
  });
}

function listForFolders(folders: readonly string[], names: readonly string[], source: string): string[] {
  if (names.length < folders.length) {
    const folder = folders[names.length]!;
    throw new InputError(
      `${source} lists ${plural(names.length, 'name')} for ${plural(folders.length, 'class folder')}: no name for folder "${folder}"; ` +
        'list one name per folder, in sorted folder order',
    );
  }
  if (names.length > folders.length) {
    throw new InputError(
      `${source} lists ${plural(names.length, 'name')} but there are only ${plural(folders.length, 'class folder')} ` +
        `(name "${names[folders.length]!}" has no folder); list one name per folder, in sorted folder order`,
    );
  }
  return [...names];
}

/** A class order for labels that are names already (manifests) or indices (IDX): a list only. */
export function requireList(mapping: ClassNameMapping, source: string): string[] {
  if (!isList(mapping)) {
    throw new InputError(`${source}: expected one class name per line (or a JSON array), in label order`);
  }
  const seen = new Set<string>();
  for (const name of mapping) {
    if (seen.has(name)) throw new InputError(`${source}: class "${name}" is listed twice; list each class once`);
    seen.add(name);
  }
  return [...mapping];
}

export function isList(mapping: ClassNameMapping): mapping is readonly string[] {
  return Array.isArray(mapping);
}
