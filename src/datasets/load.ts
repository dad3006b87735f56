import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadDescriptorDataset } from './descriptor.js';
import { LAYOUT_HINT, loadFolderDataset } from './folder.js';
import { isNotFound, pathKind } from './fsutil.js';
import { isIdxName, loadIdxDataset, type Split } from './idx.js';
import { isManifestPath, loadManifestDataset } from './manifest.js';
import { compareCodePoints } from './order.js';
import { InputError, type ClassificationDataset } from './types.js';

export interface LoadOptions {
  /** Relative specs resolve against this folder. */
  readonly cwd: string;
  /** Where named descriptors live: `<datasetsDir>/<NAME>.json`. */
  readonly datasetsDir: string;
  /** IDX split (default: the descriptor's, else test); other formats ignore it. */
  readonly split?: Split;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Loads a dataset from a path (class folders, a .csv/.tsv manifest, IDX files or folder, a
 * descriptor .json) or from a descriptor name. An existing path wins over a name.
 */
export async function loadDataset(spec: string, options: LoadOptions): Promise<ClassificationDataset> {
  if (spec.trim() === '') throw new InputError(`no dataset given: ${LAYOUT_HINT}`);
  const target = path.resolve(options.cwd, spec);
  const kind = await pathKind(target);
  if (kind === 'dir') return loadDirectory(target, options);
  if (kind === 'file') return loadFile(target, options);
  if (kind === 'missing' && NAME.test(spec) && !spec.toLowerCase().endsWith('.json')) return loadNamed(spec, options);
  throw new InputError(`${target} ${kind === 'missing' ? 'does not exist' : 'is not a file or folder'}: ${LAYOUT_HINT}`);
}

async function loadDirectory(dir: string, options: LoadOptions): Promise<ClassificationDataset> {
  const names = await readdir(dir);
  if (names.some(isIdxName)) return loadIdxDataset(dir, { split: options.split });
  return loadFolderDataset(dir);
}

async function loadFile(file: string, options: LoadOptions): Promise<ClassificationDataset> {
  if (isManifestPath(file)) return loadManifestDataset(file);
  if (path.extname(file).toLowerCase() === '.json') return loadDescriptorDataset(file, { split: options.split });
  if (isIdxName(path.basename(file))) return loadIdxDataset(file, { split: options.split });
  throw new InputError(`cannot tell what kind of dataset ${file} is: ${LAYOUT_HINT}`);
}

async function loadNamed(name: string, options: LoadOptions): Promise<ClassificationDataset> {
  const file = path.join(path.resolve(options.cwd, options.datasetsDir), `${name}.json`);
  if ((await pathKind(file)) === 'file') return loadDescriptorDataset(file, { split: options.split });
  const known = await listDatasetNames(path.resolve(options.cwd, options.datasetsDir));
  const choices = known.length === 0 ? 'none are defined' : `known names: ${known.join(', ')}`;
  throw new InputError(
    `no dataset "${name}": neither ${path.resolve(options.cwd, name)} nor ${file} exists (${choices}); ` +
      `give a path or a name; ${LAYOUT_HINT}`,
  );
}

/** Names usable as `--dataset NAME`: the descriptors in `datasetsDir`. */
export async function listDatasetNames(datasetsDir: string): Promise<string[]> {
  try {
    const names = await readdir(datasetsDir);
    return names
      .filter((n) => n.toLowerCase().endsWith('.json') && !n.startsWith('.'))
      .map((n) => n.slice(0, -'.json'.length))
      .sort(compareCodePoints);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}
