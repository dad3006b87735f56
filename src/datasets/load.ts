import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTAINER_FORMATS } from './containers.js';
import { isHubDatasetSpec, localHubDataset } from './hubDataset.js';
import { loadDescriptorDataset } from './descriptor.js';
import { LAYOUT_HINT, loadFolderDataset } from './folder.js';
import { isNotFound, pathKind } from './fsutil.js';
import { isIdxName, loadIdxDataset, SPLITS, type Split } from './idx.js';
import { isManifestPath, loadManifestDataset } from './manifest.js';
import { compareCodePoints } from './order.js';
import { isCocoCaptions, loadCocoCaptions } from './coco.js';
import { readJsonFile } from './json.js';
import { isKarpathySplit, loadKarpathySplit } from './karpathy.js';
import { hasCaptionHeader, loadCaptionPairs } from './pairs.js';
import { InputError, type ClassificationDataset, type Dataset } from './types.js';

export interface LoadOptions {
  /** Relative specs resolve against this folder. */
  readonly cwd: string;
  /** Where named descriptors live: `<datasetsDir>/<NAME>.json`. */
  readonly datasetsDir: string;
  /** IDX split (test/train; default: the descriptor's, else test) or Karpathy split (default test). */
  readonly split?: string;
  /** Images folder of a caption file (COCO, Karpathy, pairs). */
  readonly images?: string;
  /** A class-names file (one per line) for WebDataset shards or Parquet files, instead of their own. */
  readonly classnames?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Loads a classification dataset; a captioned (retrieval) set is an input error here. */
export async function loadDataset(spec: string, options: LoadOptions): Promise<ClassificationDataset> {
  const dataset = await loadAnyDataset(spec, options);
  if (dataset.task !== 'classification') {
    throw new InputError(`${dataset.root} is a captioned set for retrieval, not a classification dataset`);
  }
  return dataset;
}

/**
 * Loads a dataset from a path (class folders, a .csv/.tsv manifest, IDX files or folder, COCO or
 * Karpathy caption JSON, caption pairs in CSV/TSV/JSONL, a descriptor .json) or from a descriptor
 * name. An existing path wins over a name. The task follows from what the data holds.
 */
export async function loadAnyDataset(spec: string, options: LoadOptions): Promise<Dataset> {
  if (spec.trim() === '') throw new InputError(`no dataset given: ${LAYOUT_HINT}`);
  if (isHubDatasetSpec(spec)) return loadAnyDataset(await localHubDataset(spec), options);
  const target = path.resolve(options.cwd, spec);
  const kind = await pathKind(target);
  const container = CONTAINER_FORMATS.find((f) =>
    kind === 'file' ? f.claimsFile(target) : kind === 'missing' ? f.claimsSpec(spec) : false,
  );
  if (container !== undefined) return container.load(spec, options);
  if (kind === 'dir') return loadDirectory(target, options, spec);
  if (kind === 'file') return loadFile(target, options);
  if (kind === 'missing' && NAME.test(spec) && !spec.toLowerCase().endsWith('.json')) return loadNamed(spec, options);
  throw new InputError(`${target} ${kind === 'missing' ? 'does not exist' : 'is not a file or folder'}: ${LAYOUT_HINT}`);
}

async function loadDirectory(dir: string, options: LoadOptions, spec: string): Promise<Dataset> {
  const names = await readdir(dir);
  if (names.some(isIdxName)) return loadIdxDataset(dir, { split: idxSplit(options.split) });
  const container = CONTAINER_FORMATS.find((f) => f.claimsFolder(names));
  if (container !== undefined) return container.load(spec, options);
  // A folder holding one caption file (COCO's captions*.json) is that captioned set, not classes.
  const captionFiles = names.filter((n) => /^captions.*\.json$/i.test(n));
  if (captionFiles.length === 1) return loadJsonFile(path.join(dir, captionFiles[0]!), options);
  return loadFolderDataset(dir);
}

async function loadFile(file: string, options: LoadOptions): Promise<Dataset> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.jsonl') return loadCaptionPairs(file, { images: options.images });
  if (isManifestPath(file)) {
    if (hasCaptionHeader(await readFile(file, 'utf8'))) return loadCaptionPairs(file, { images: options.images });
    return loadManifestDataset(file);
  }
  if (extension === '.json') return loadJsonFile(file, options);
  if (isIdxName(path.basename(file))) return loadIdxDataset(file, { split: idxSplit(options.split) });
  throw new InputError(`cannot tell what kind of dataset ${file} is: ${LAYOUT_HINT}`);
}

/** A JSON file is a COCO caption file, a Karpathy split file, or a descriptor. */
async function loadJsonFile(file: string, options: LoadOptions): Promise<Dataset> {
  const json = await readJsonFile(file, 'dataset file');
  if (isCocoCaptions(json)) return loadCocoCaptions(file, json, { images: options.images });
  if (isKarpathySplit(json)) return loadKarpathySplit(file, json, { images: options.images, split: options.split });
  return loadDescriptorDataset(file, { split: options.split, images: options.images });
}

/** IDX files come in test (t10k) and train splits only. */
function idxSplit(split: string | undefined): Split | undefined {
  if (split === undefined || (SPLITS as readonly string[]).includes(split)) return split as Split | undefined;
  throw new InputError(`unknown split "${split}" for IDX files; use "test" or "train"`);
}

async function loadNamed(name: string, options: LoadOptions): Promise<Dataset> {
  const file = path.join(path.resolve(options.cwd, options.datasetsDir), `${name}.json`);
  if ((await pathKind(file)) === 'file') return loadDescriptorDataset(file, { split: options.split, images: options.images });
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
