import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { pathKind } from './fsutil.js';
import { compareCodePoints } from './order.js';
import { InputError } from './types.js';

/** The Parquet files a spec names, and where they sit. */
export interface ParquetSpec {
  /** What the spec names: the file, the folder, or the folder a glob starts from. */
  readonly root: string;
  /** Item ids are the files' paths relative to this folder; the dataset card is looked for here and one folder up. */
  readonly dir: string;
  /** Absolute paths, in code-point order. */
  readonly files: readonly string[];
  readonly name: string;
}

const PARQUET = /\.parquet$/i;

/** Words that make a file name carry a split, as Hugging Face names them (`test-00000-of-00001.parquet`). */
const SPLIT_WORDS = ['train', 'test', 'validation', 'valid', 'val', 'dev'];

export function isParquetName(name: string): boolean {
  return PARQUET.test(name);
}

/** A glob (`data/test-*.parquet`, `{a,b}`, `**`) whose last segment names .parquet files. */
export function isParquetGlob(spec: string): boolean {
  return isParquetName(spec) && isDynamicPattern(spec);
}

/** Resolves a file, a folder (one split of it) or a glob to its Parquet files. */
export async function resolveParquetSpec(spec: string, cwd: string, split?: string): Promise<ParquetSpec> {
  const target = path.resolve(cwd, spec);
  const kind = await pathKind(target);
  if (kind === 'file') return described(target, path.dirname(target), [target]);
  if (kind === 'dir') {
    const files = await folderFiles(target, split);
    return described(target, target, files);
  }
  if (isParquetGlob(spec)) return globFiles(target, spec);
  throw new InputError(`${target} does not exist; give a .parquet file, a folder of them, or a glob such as data/test-*.parquet`);
}

/**
 * In a folder, files whose names carry a split word hold that split: the asked one (default test)
 * is read. A folder without split words in its file names is read whole.
 */
async function folderFiles(dir: string, split: string | undefined): Promise<string[]> {
  const names = (await readdir(dir)).filter(isParquetName).sort(compareCodePoints);
  if (names.length === 0) throw new InputError(`${dir} holds no .parquet files`);
  const wanted = (split ?? 'test').toLowerCase();
  const splits = names.map((name) => splitOf(name, wanted));
  const chosen = splits.every((s) => s === undefined) ? names : names.filter((_, i) => splits[i] === wanted);
  if (chosen.length === 0) {
    const found = [...new Set(splits.filter((s): s is string => s !== undefined))].sort(compareCodePoints);
    throw new InputError(
      `no "${wanted}" split in ${dir}: its Parquet files hold ${found.map((s) => `"${s}"`).join(', ')}; ` +
        `ask for one (--split ${found[0]!}) or name the files (a file or a glob such as ${path.join(dir, `${found[0]!}-*.parquet`)})`,
    );
  }
  return chosen.map((name) => path.join(dir, name));
}

/** The first split word among the name's `-`, `_`, `.` separated parts; `asked` counts as one. */
function splitOf(name: string, asked: string): string | undefined {
  const parts = name.replace(PARQUET, '').toLowerCase().split(/[-_. ]+/);
  return parts.find((part) => part === asked || SPLIT_WORDS.includes(part));
}

/** The folder an absolute glob starts from: its segments before the first with a wildcard. */
export function parquetGlobRoot(target: string): string {
  const segments = target.split(path.sep);
  return segments.slice(0, firstDynamic(segments)).join(path.sep) || path.sep;
}

function firstDynamic(segments: readonly string[]): number {
  return segments.findIndex((s) => isDynamicPattern(s));
}

/** The glob runs from its last folder without wildcards, so an absolute or `../` pattern works too. */
async function globFiles(target: string, spec: string): Promise<ParquetSpec> {
  const root = parquetGlobRoot(target);
  const segments = target.split(path.sep);
  const pattern = segments.slice(firstDynamic(segments)).join('/');
  const matches = await glob(pattern, { cwd: root, absolute: true, onlyFiles: true, expandDirectories: false });
  if (matches.length === 0) {
    throw new InputError(`no file matches ${spec} (looked in ${root} for ${pattern}); check the pattern, or give the folder or a file`);
  }
  return described(root, root, matches.map((m) => path.resolve(m)).sort(compareCodePoints));
}

/** Named after the folder, or the repository above Hugging Face's `data/` folder; a lone file after itself. */
function described(root: string, dir: string, files: readonly string[]): ParquetSpec {
  const folder = path.basename(dir) === 'data' ? path.dirname(dir) : dir;
  const lone = root === files[0] && path.basename(dir) !== 'data';
  return { root, dir, files, name: lone ? path.basename(root).replace(PARQUET, '') : path.basename(folder) };
}
