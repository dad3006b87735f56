import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { findClassNames, namesForFolders, type ClassNameMapping } from './classnames.js';
import { isNotFound, resolveUnder } from './fsutil.js';
import { compareCodePoints } from './order.js';
import { InputError, type ClassificationDataset, type ClassificationItem } from './types.js';

/**
 * Raster formats that decodeImage opens as PIL does (BMP through model/bmp.ts). No .svg or .pdf: PIL
 * cannot open vector formats, so they are not images here (torchvision's ImageFolder skips them too);
 * one under a raster name is refused when decoded and reported as that image's error.
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.gif', '.tif', '.tiff'];

export const LAYOUT_HINT =
  'expected <root>/<class>/<image> folders (ImageNet style), a .csv/.tsv manifest, IDX files ' +
  'or a descriptor name from datasets/';

export interface FolderOptions {
  readonly name?: string;
  /** Overrides classnames.txt/json at the root (a descriptor's `classnames`). */
  readonly classNames?: ClassNameMapping;
  /** Where `classNames` came from, for error messages. */
  readonly classNamesSource?: string;
}

/**
 * Lists `root/<class>/**\/<image>` the way torchvision's ImageFolder does: class folders sorted by
 * code point, each walked recursively (following symlinks), directories in sorted order, files
 * sorted within each directory. Only directory listings are read; image files are never opened.
 */
export async function loadFolderDataset(root: string, options: FolderOptions = {}): Promise<ClassificationDataset> {
  const absRoot = path.resolve(root);
  const folders = await classFolders(absRoot);
  const perClass = await Promise.all(folders.map((folder) => listClass(absRoot, folder)));
  if (perClass.every((ids) => ids.length === 0)) {
    throw new InputError(`no images found in ${absRoot}: ${LAYOUT_HINT}`);
  }
  const classNames = await readableNames(absRoot, folders, options);
  const items: ClassificationItem[] = [];
  perClass.forEach((ids, label) => {
    for (const id of ids) items.push({ id, source: { kind: 'file', path: resolveUnder(absRoot, id) }, label });
  });
  return { task: 'classification', name: options.name ?? path.basename(absRoot), format: 'folder', root: absRoot, classNames, items };
}

async function classFolders(root: string): Promise<string[]> {
  const entries = await listDir(root);
  const folders: string[] = [];
  for (const entry of entries) {
    if (!isHidden(entry.name) && (await isDirEntry(root, entry))) folders.push(entry.name);
  }
  return folders.sort(compareCodePoints);
}

async function readableNames(root: string, folders: readonly string[], options: FolderOptions): Promise<string[]> {
  if (options.classNames !== undefined) {
    return namesForFolders(folders, options.classNames, options.classNamesSource ?? 'classnames');
  }
  const found = await findClassNames(root);
  return found === undefined ? [...folders] : namesForFolders(folders, found.mapping, found.file);
}

interface DirFiles {
  readonly dir: string;
  readonly files: string[];
}

/** Ids (root-relative, '/'-separated) of one class's images, in ImageFolder order. */
async function listClass(root: string, folder: string): Promise<string[]> {
  const groups: DirFiles[] = [];
  await walk(path.join(root, folder), folder, groups, []);
  groups.sort((a, b) => compareCodePoints(a.dir, b.dir));
  return groups.flatMap((g) => g.files.sort(compareCodePoints).map((f) => `${g.dir}/${f}`));
}

async function walk(abs: string, rel: string, groups: DirFiles[], ancestors: readonly string[]): Promise<void> {
  const entries = await listDir(abs);
  const files: string[] = [];
  const subdirs: Dirent[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    if (isImageName(entry.name) && (entry.isFile() || entry.isSymbolicLink())) files.push(entry.name);
    else if (await isDirEntry(abs, entry)) subdirs.push(entry);
  }
  groups.push({ dir: rel, files });
  const chain = [...ancestors, abs];
  await Promise.all(
    subdirs.map(async (entry) => {
      const child = path.join(abs, entry.name);
      if (entry.isSymbolicLink() && (await isLoop(child, chain))) return;
      await walk(child, `${rel}/${entry.name}`, groups, chain);
    }),
  );
}

/** Only a followed symlink can close a loop (torchvision would recurse forever here). */
async function isLoop(link: string, chain: readonly string[]): Promise<boolean> {
  const real = await realpath(link);
  const realChain = await Promise.all(chain.map((p) => realpath(p)));
  return realChain.includes(real);
}

async function isDirEntry(parent: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await stat(path.join(parent, entry.name))).isDirectory();
  } catch (err) {
    if (isNotFound(err)) return false; // a dangling link is not a class
    throw err;
  }
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`${dir} does not exist or is not a folder: ${LAYOUT_HINT}`);
    throw err;
  }
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

export function isImageName(name: string): boolean {
  const ext = path.extname(name).toLowerCase();
  return IMAGE_EXTENSIONS.includes(ext);
}
