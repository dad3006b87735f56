import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkMapping, isList, requireList, type ClassNameMapping } from './classnames.js';
import { loadFolderDataset } from './folder.js';
import { isNotFound, pathKind, stripBom } from './fsutil.js';
import { loadIdxDataset, SPLITS, type Split } from './idx.js';
import { loadManifestDataset } from './manifest.js';
import { loadCocoCaptions } from './coco.js';
import { readJsonFile } from './json.js';
import { loadKarpathySplit } from './karpathy.js';
import { loadCaptionPairs } from './pairs.js';
import { InputError, type Dataset, type DatasetFormat, type RetrievalFormat } from './types.js';

const FORMATS: readonly (DatasetFormat | RetrievalFormat)[] = ['folder', 'manifest', 'idx', 'coco', 'karpathy', 'pairs'];
const RETRIEVAL_FORMATS: readonly string[] = ['coco', 'karpathy', 'pairs'];
const TEXT_FIELDS = ['description', 'licence', 'license', 'source', 'citation', 'install', '$schema'] as const;
const KNOWN_FIELDS = new Set<string>(['name', 'task', 'format', 'path', 'images', 'split', 'classnames', ...TEXT_FIELDS]);

/** A checked descriptor: `datasets/<name>.json` or any JSON file given as the dataset. */
export interface DatasetDescriptor {
  readonly file: string;
  readonly name: string;
  readonly format: DatasetFormat | RetrievalFormat;
  /** Absolute; a relative `path` is taken from the descriptor's folder. */
  readonly path: string;
  /** Images folder of a caption file (retrieval formats); absolute. */
  readonly images?: string;
  readonly split?: string;
  readonly classnames?: ClassNameMapping;
  /** How to get the data when it is missing (e.g. an apt-get command). */
  readonly install?: string;
  readonly licence?: string;
  readonly description?: string;
}

export interface DescriptorLoadOptions {
  /** Overrides the descriptor's own `split`. */
  readonly split?: string;
  /** Overrides the descriptor's own `images`. */
  readonly images?: string;
}

export async function loadDescriptorDataset(file: string, options: DescriptorLoadOptions = {}): Promise<Dataset> {
  const d = await readDescriptor(file);
  await checkDataPresent(d);
  const common = { name: d.name, classNamesSource: `${d.file}: field "classnames"` };
  switch (d.format) {
    case 'folder':
      return loadFolderDataset(d.path, { ...common, classNames: d.classnames });
    case 'manifest':
      return loadManifestDataset(d.path, { ...common, classNames: listOrUndefined(d.classnames) });
    case 'idx':
      return loadIdxDataset(d.path, { ...common, classNames: listOrUndefined(d.classnames), split: (options.split ?? d.split) as Split | undefined });
    case 'coco':
      return loadCocoCaptions(d.path, await readJsonFile(d.path, 'caption file'), { name: d.name, images: options.images ?? d.images });
    case 'karpathy':
      return loadKarpathySplit(d.path, await readJsonFile(d.path, 'caption file'), {
        name: d.name,
        images: options.images ?? d.images,
        split: options.split ?? d.split,
      });
    case 'pairs':
      return loadCaptionPairs(d.path, { name: d.name, images: options.images ?? d.images });
  }
}

/** readDescriptor accepts a folder-to-name map only for folders, so this drops nothing. */
function listOrUndefined(mapping: ClassNameMapping | undefined): readonly string[] | undefined {
  return mapping !== undefined && isList(mapping) ? mapping : undefined;
}

export async function readDescriptor(file: string): Promise<DatasetDescriptor> {
  const abs = path.resolve(file);
  const raw = parseJson(await readText(abs), abs);
  const field = (name: string): string => `${abs}: field "${name}"`;
  const unknown = Object.keys(raw).find((key) => !KNOWN_FIELDS.has(key));
  if (unknown !== undefined) {
    throw new InputError(`${field(unknown)} is not a descriptor field; use: ${[...KNOWN_FIELDS].join(', ')}`);
  }
  if (raw.task !== undefined && raw.task !== 'classification' && raw.task !== 'retrieval') {
    throw new InputError(`${field('task')} must be "classification" or "retrieval"`);
  }
  for (const key of TEXT_FIELDS) optionalText(raw[key], field(key));
  const format = checkFormat(raw.format, field('format'));
  return {
    file: abs,
    name: optionalText(raw.name, field('name')) ?? path.basename(abs, path.extname(abs)),
    format,
    path: path.resolve(path.dirname(abs), requiredText(raw.path, field('path'), 'the dataset folder or file')),
    images: raw.images === undefined ? undefined : path.resolve(path.dirname(abs), requiredText(raw.images, field('images'), 'the images folder')),
    split: checkSplit(raw.split, format, field('split')),
    classnames: checkClassnames(raw.classnames, format, field('classnames')),
    install: raw.install as string | undefined,
    licence: (raw.licence ?? raw.license) as string | undefined,
    description: raw.description as string | undefined,
  };
}

async function readText(file: string): Promise<string> {
  try {
    return stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`descriptor ${file} does not exist; check the path`);
    throw err;
  }
}

function parseJson(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`descriptor ${file} is not valid JSON (${(err as Error).message}); fix the syntax`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`descriptor ${file} must be a JSON object with at least "format" and "path"`);
  }
  return value as Record<string, unknown>;
}

function requiredText(value: unknown, where: string, what: string): string {
  const text = optionalText(value, where);
  if (text === undefined) throw new InputError(`${where} is missing; give ${what}`);
  return text;
}

function optionalText(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${where} must be a non-empty string`);
  return value;
}

function checkFormat(value: unknown, where: string): DatasetFormat | RetrievalFormat {
  const choices = FORMATS.map((f) => `"${f}"`).join(', ');
  if (value === undefined) throw new InputError(`${where} is missing; use one of ${choices}`);
  if (!FORMATS.includes(value as DatasetFormat)) {
    throw new InputError(`${where}: unknown format ${JSON.stringify(value)}; use one of ${choices}`);
  }
  return value as DatasetFormat | RetrievalFormat;
}

function checkSplit(value: unknown, format: DatasetFormat | RetrievalFormat, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (format === 'karpathy') return requiredText(value, where, 'a split name such as "test"');
  if (format !== 'idx') throw new InputError(`${where} only applies to "idx" and "karpathy" datasets; remove it`);
  if (!SPLITS.includes(value as Split)) {
    throw new InputError(`${where}: unknown split ${JSON.stringify(value)}; use "test" or "train"`);
  }
  return value as Split;
}

/** Folders may map folder names to names; manifests and IDX need a list in label order. */
function checkClassnames(value: unknown, format: DatasetFormat | RetrievalFormat, where: string): ClassNameMapping | undefined {
  if (value === undefined) return undefined;
  if (RETRIEVAL_FORMATS.includes(format)) throw new InputError(`${where} does not apply to captioned sets; remove it`);
  const mapping = checkMapping(value, where);
  return format === 'folder' ? mapping : requireList(mapping, where);
}

async function checkDataPresent(d: DatasetDescriptor): Promise<void> {
  const kind = await pathKind(d.path);
  const from = `(field "path" of ${d.file})`;
  if (kind === 'missing') {
    const fix = d.install === undefined ? 'fix "path" or put the data there' : `get it with: ${d.install}`;
    throw new InputError(`dataset "${d.name}" is not installed: ${d.path} does not exist ${from}; ${fix}`);
  }
  if (d.format === 'folder' && kind !== 'dir') {
    throw new InputError(`${d.path} ${from} is not a folder, but format "folder" needs <root>/<class>/<image> folders`);
  }
  if (d.format === 'manifest' && kind !== 'file') {
    throw new InputError(`${d.path} ${from} is not a file, but format "manifest" needs a .csv or .tsv file`);
  }
}
