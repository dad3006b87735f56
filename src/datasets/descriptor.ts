import path from 'node:path';
import { readJson, readJsonValue } from '../util/json.js';
import { checkMapping, isList, requireList, type ClassNameMapping } from './classnames.js';
import { descriptorSchema } from './descriptorSchema.js';
import { loadFolderDataset } from './folder.js';
import { pathKind } from './fsutil.js';
import { loadIdxDataset, SPLITS, type Split } from './idx.js';
import { loadManifestDataset } from './manifest.js';
import { loadCocoCaptions } from './coco.js';
import { loadKarpathySplit } from './karpathy.js';
import { loadCaptionPairs } from './pairs.js';
import { loadParquetDataset } from './parquet.js';
import { isParquetGlob, parquetGlobRoot } from './parquetSpec.js';
import { expandShardPattern, hasBraceGroup } from './shardPattern.js';
import { loadWebDataset } from './webdataset.js';
import { InputError, type Dataset, type DatasetFormat, type RetrievalFormat } from './types.js';

const RETRIEVAL_FORMATS: readonly string[] = ['coco', 'karpathy', 'pairs'];
const CAPTION_FILE = { what: 'caption file' };

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
      return loadCocoCaptions(d.path, await readJsonValue(d.path, CAPTION_FILE), { name: d.name, images: options.images ?? d.images });
    case 'karpathy':
      return loadKarpathySplit(d.path, await readJsonValue(d.path, CAPTION_FILE), {
        name: d.name,
        images: options.images ?? d.images,
        split: options.split ?? d.split,
      });
    case 'webdataset':
      return loadWebDataset(d.path, {
        cwd: path.dirname(d.file),
        split: options.split,
        name: d.name,
        classNames: listOrUndefined(d.classnames),
        classNamesSource: common.classNamesSource,
      });
    case 'parquet':
      return loadParquetDataset(d.path, {
        cwd: path.dirname(d.file),
        split: options.split,
        name: d.name,
        classNames: listOrUndefined(d.classnames),
        classNamesSource: common.classNamesSource,
      });
    case 'pairs':
      return loadCaptionPairs(d.path, { name: d.name, images: options.images ?? d.images });
  }
}

/** readDescriptor accepts a folder-to-name map only for folders, so this drops nothing. */
function listOrUndefined(mapping: ClassNameMapping | undefined): readonly string[] | undefined {
  return mapping !== undefined && isList(mapping) ? mapping : undefined;
}

/** Reads and checks a descriptor; relative paths in it are taken from its folder. */
export async function readDescriptor(file: string): Promise<DatasetDescriptor> {
  const abs = path.resolve(file);
  const raw = await readJson(abs, descriptorSchema, { what: 'descriptor' });
  const field = (name: string): string => `${abs}: ${name}`;
  const dir = path.dirname(abs);
  return {
    file: abs,
    name: raw.name ?? path.basename(abs, path.extname(abs)),
    format: raw.format,
    path: path.resolve(dir, raw.path),
    images: raw.images === undefined ? undefined : path.resolve(dir, raw.images),
    split: checkSplit(raw.split, raw.format, field('split')),
    classnames: checkClassnames(raw.classnames, raw.format, field('classnames')),
    install: raw.install,
    licence: raw.licence ?? raw.license,
    description: raw.description,
  };
}

function checkSplit(value: string | undefined, format: DatasetFormat | RetrievalFormat, where: string): string | undefined {
  if (value === undefined || format === 'karpathy') return value;
  if (format !== 'idx') throw new InputError(`${where}: only applies to "idx" and "karpathy" datasets; remove it`);
  if (!SPLITS.includes(value as Split)) {
    throw new InputError(`${where}: unknown split ${JSON.stringify(value)}; use "test" or "train"`);
  }
  return value;
}

/** Folders may map folder names to names; manifests and IDX need a list in label order. */
function checkClassnames(value: unknown, format: DatasetFormat | RetrievalFormat, where: string): ClassNameMapping | undefined {
  if (value === undefined) return undefined;
  if (RETRIEVAL_FORMATS.includes(format)) throw new InputError(`${where}: does not apply to captioned sets; remove it`);
  const mapping = checkMapping(value, where);
  return format === 'folder' ? mapping : requireList(mapping, where);
}

async function checkDataPresent(d: DatasetDescriptor): Promise<void> {
  // A Parquet glob is no path: the folder it starts from tells whether the data is there.
  if (d.format === 'parquet' && isParquetGlob(d.path)) return checkDataPresent({ ...d, path: parquetGlobRoot(d.path) });
  // A shard pattern is no path: its first shard tells whether the data is there.
  const probe = d.format === 'webdataset' && hasBraceGroup(d.path) ? expandShardPattern(d.path)[0]! : d.path;
  const kind = await pathKind(probe);
  const from = `(field "path" of ${d.file})`;
  if (kind === 'missing') {
    const fix = d.install === undefined ? 'fix "path" or put the data there' : `get it with: ${d.install}`;
    throw new InputError(`dataset "${d.name}" is not installed: ${probe} does not exist ${from}; ${fix}`);
  }
  if (d.format === 'folder' && kind !== 'dir') {
    throw new InputError(`${d.path} ${from} is not a folder, but format "folder" needs <root>/<class>/<image> folders`);
  }
  if (d.format === 'manifest' && kind !== 'file') {
    throw new InputError(`${d.path} ${from} is not a file, but format "manifest" needs a .csv or .tsv file`);
  }
}
