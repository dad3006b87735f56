import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isImageName } from './folder.js';
import { pathKind, resolveUnder } from './fsutil.js';
import { loadAnyDataset, type LoadOptions } from './load.js';
import { compareCodePoints } from './order.js';
import { InputError, type ImageSource } from './types.js';

/** One image of a collection to label: its id (as the dataset names it) and where its bytes are. */
export interface CollectionImage {
  readonly id: string;
  readonly source: ImageSource;
}

/** Images without labels: a plain folder of images, or any dataset the harness reads, its labels dropped. */
export interface ImageCollection {
  readonly name: string;
  /** 'images' for a plain folder; else the format of the dataset it was read from. */
  readonly format: string;
  /** Absolute folder or file the collection was read from. */
  readonly root: string;
  readonly images: readonly CollectionImage[];
  /** The dataset's class names, in label order, when it has them (not a plain folder, not a captioned set). */
  readonly classNames?: readonly string[];
}

/**
 * Reads `spec` as a collection to label. A folder holding image files at its top level is a plain
 * folder: every image under it, at any depth, in code-point order of its relative path (class
 * folders would refuse it, since it has no class subfolders). Anything else is read as `bench run`
 * reads it, and its labels or captions are ignored; class folders keep the ids `bench run` gives.
 */
export async function loadImageCollection(spec: string, options: LoadOptions): Promise<ImageCollection> {
  const target = path.resolve(options.cwd, spec);
  if ((await pathKind(target)) === 'dir' && (await hasTopLevelImages(target))) return loadPlainFolder(target);
  const dataset = await loadAnyDataset(spec, options);
  if (dataset.task === 'retrieval') {
    return { name: dataset.name, format: dataset.format, root: dataset.root, images: dataset.images };
  }
  const images = dataset.items.map(({ id, source }) => ({ id, source }));
  return { name: dataset.name, format: dataset.format, root: dataset.root, images, classNames: dataset.classNames };
}

async function hasTopLevelImages(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.some((e) => isImageEntry(e));
}

async function loadPlainFolder(root: string): Promise<ImageCollection> {
  const ids: string[] = [];
  await walk(root, '', ids);
  if (ids.length === 0) throw new InputError(`no images found in ${root}`);
  ids.sort(compareCodePoints);
  const images = ids.map((id) => ({ id, source: { kind: 'file' as const, path: resolveUnder(root, id) } }));
  return { name: path.basename(root), format: 'images', root, images };
}

/** Real subfolders only: a symlinked folder could loop, and a plain folder has no reason to hold one. */
async function walk(abs: string, rel: string, ids: string[]): Promise<void> {
  for (const entry of await readdir(abs, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const id = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (isImageEntry(entry)) ids.push(id);
    else if (entry.isDirectory()) await walk(path.join(abs, entry.name), id, ids);
  }
}

function isImageEntry(entry: Dirent): boolean {
  return !entry.name.startsWith('.') && isImageName(entry.name) && (entry.isFile() || entry.isSymbolicLink());
}
