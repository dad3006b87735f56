import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageCollection } from '../datasets/index.js';
import { InputError } from '../errors.js';
import type { PromptSet } from '../prompts/index.js';

/**
 * The classes to label with, in order: `--classes` (one name per line), else the names a per-class
 * `.json` prompt file gives its prompts for, else the dataset's own class names.
 */
export async function labelClasses(classesFile: string | undefined, set: PromptSet, collection: ImageCollection): Promise<string[]> {
  if (classesFile !== undefined) return readClassesFile(classesFile);
  if (set.classPrompts !== undefined) return Object.keys(set.classPrompts);
  if (collection.classNames !== undefined && collection.classNames.length > 0) return [...collection.classNames];
  throw new InputError(
    `${collection.root} has no class names: pass --classes <file> (one class name per line) or a per-class .json prompt file`,
  );
}

async function readClassesFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read --classes file ${file}: ${code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
  // Trimmed, blank lines skipped: a trailing newline or a stray CR must not make a class.
  const names = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (names.length === 0) throw new InputError(`--classes file ${file} names no classes; write one class name per line`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new InputError(`--classes file ${path.resolve(file)}: class "${twice}" is given twice`);
  return names;
}
