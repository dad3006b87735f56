import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJsonNames, requireList } from './classnames.js';
import { isNotFound, stripBom } from './fsutil.js';
import { InputError } from './types.js';
import type { ShardSet } from './wdsShards.js';

export const CLASSNAMES_TXT = 'classnames.txt';
export const TEMPLATES_TXT = 'zeroshot_classification_templates.txt';

export interface BesideFile {
  readonly file: string;
  readonly dir: string;
  readonly text: string;
}

export interface ShardClassNames {
  readonly names: readonly string[];
  /** For messages: the file, or what gave the list. */
  readonly source: string;
  /** The folder of a classnames.txt found beside the shards. */
  readonly dir?: string;
}

/** What gives the class names, besides the shards' own classnames.txt. */
export interface ClassNamesGiven {
  readonly cwd: string;
  readonly classnamesFile?: string;
  readonly classNames?: readonly string[];
  readonly classNamesSource?: string;
}

/** `name` in the first of the set's metadata folders that has it (the shards' own, then the one above). */
export async function readBesideShards(set: ShardSet, name: string): Promise<BesideFile | undefined> {
  for (const dir of set.metaDirs) {
    const file = path.join(dir, name);
    const text = await readOptional(file);
    if (text !== undefined) return { file, dir, text };
  }
  return undefined;
}

/** A given list, else a given file, else classnames.txt beside the shards; undefined when there is none. */
export async function readShardClassNames(set: ShardSet, given: ClassNamesGiven): Promise<ShardClassNames | undefined> {
  if (given.classNames !== undefined) {
    const source = given.classNamesSource ?? 'classnames';
    return { names: requireList(given.classNames, source), source };
  }
  if (given.classnamesFile !== undefined) {
    const file = path.resolve(given.cwd, given.classnamesFile);
    const text = await readOptional(file);
    if (text === undefined) throw new InputError(`class-names file ${file} does not exist`);
    return { names: parseNames(text, file), source: file };
  }
  const found = await readBesideShards(set, CLASSNAMES_TXT);
  return found === undefined ? undefined : { names: parseNames(found.text, found.file), source: found.file, dir: found.dir };
}

/** CLIP_benchmark's reading: every non-blank line, stripped; a `.json` file holds a list. */
function parseNames(text: string, file: string): string[] {
  if (/\.json$/i.test(file)) return requireList(parseJsonNames(text, file), file);
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length === 0) throw new InputError(`${file} lists no class names; write one per line, in label order`);
  return requireList(names, file);
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
