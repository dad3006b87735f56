import path from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { ContainerFormat } from './containers.js';
import { TarFile } from './tarIndex.js';
import { InputError, type ClassificationDataset, type ClassificationItem } from './types.js';
import { readBesideShards, readShardClassNames, TEMPLATES_TXT, type ShardClassNames } from './wdsMeta.js';
import { captionWithoutLabel, retrievalNotSupported, sampleItem } from './wdsItems.js';
import { shardSamples } from './wdsSamples.js';
import { CLIP_BENCHMARK_MARKERS, isShardName, isShardSpec, resolveShards, type ShardSet } from './wdsShards.js';

export interface WebDatasetOptions {
  /** Relative specs and `classnamesFile` resolve against this folder. */
  readonly cwd: string;
  /** The split folder of a CLIP_benchmark export root (default `test`). */
  readonly split?: string;
  /** A class-names file (one per line, or a JSON list) instead of the shards' classnames.txt. */
  readonly classnamesFile?: string;
  /** Class names in label order (a descriptor's `classnames`): win over any file. */
  readonly classNames?: readonly string[];
  /** Where `classNames` came from, for messages. */
  readonly classNamesSource?: string;
  readonly name?: string;
}

export const webDatasetFormat: ContainerFormat = {
  name: 'webdataset',
  claimsSpec: isShardSpec,
  claimsFile: (file) => isShardName(path.basename(file)),
  claimsFolder: (names) => names.some(isShardName) || CLIP_BENCHMARK_MARKERS.some((m) => names.includes(m)),
  load: (spec, options) => loadWebDataset(spec, { cwd: options.cwd, split: options.split, classnamesFile: options.classnames }),
};

/**
 * Reads WebDataset tar shards as a classification dataset, as CLIP_benchmark does: a sample is the
 * members sharing a key; its image is the first .webp/.png/.jpg/.jpeg, its label the integer in
 * .cls; class names come from classnames.txt (or `classNames` / `classnamesFile`), zero-shot
 * templates from zeroshot_classification_templates.txt. Only tar headers (and the few bytes of
 * each .cls) are read: items point at their image's byte range, read when embedded.
 */
export async function loadWebDataset(spec: string, options: WebDatasetOptions): Promise<ClassificationDataset> {
  const set = await resolveShards(spec, options.cwd, options.split);
  await checkDatasetType(set);
  const names = await readShardClassNames(set, options);
  if (names === undefined) throw missingClassNames(set);
  const templates = await readBesideShards(set, TEMPLATES_TXT);
  const items = await readItems(set, names);
  if (items.length === 0) throw new InputError(`no samples in ${set.root}: its shards hold no files named <key>.<extension>`);
  return {
    task: 'classification',
    name: options.name ?? datasetName(set, names, templates?.dir),
    format: 'webdataset',
    root: set.root,
    classNames: names.names,
    items,
    ...(templates === undefined ? {} : { templatesFile: templates.file }),
  };
}

async function readItems(set: ShardSet, names: ShardClassNames): Promise<ClassificationItem[]> {
  const prefixes = idPrefixes(set.shards);
  const items: ClassificationItem[] = [];
  for (const [s, shard] of set.shards.entries()) {
    const tar = new TarFile(shard);
    try {
      const context = { tar, idPrefix: prefixes[s]!, classNames: names.names, classNamesSource: names.source };
      for (const sample of shardSamples(tar)) items.push(sampleItem(sample, context, items.length === 0));
    } finally {
      tar.close();
    }
    // Headers are read synchronously (a shard's thousands of 512-byte reads cost far less that way);
    // yielding between shards lets Ctrl-C through on a large set.
    await setImmediate();
  }
  return items;
}

/** Shard file names, or their paths from the shards' common folder when two share a name. */
function idPrefixes(shards: readonly string[]): string[] {
  const base = shards.map((s) => path.basename(s));
  if (new Set(base).size === base.length) return base;
  const outside = (from: string, to: string) => {
    const rel = path.relative(from, to);
    return rel === '..' || rel.startsWith(`..${path.sep}`);
  };
  const common = shards.map((s) => path.dirname(s)).reduce((a, b) => {
    while (outside(a, b)) a = path.dirname(a);
    return a;
  });
  return shards.map((s) => path.relative(common, s).split(path.sep).join('/'));
}

async function checkDatasetType(set: ShardSet): Promise<void> {
  const found = await readBesideShards(set, 'dataset_type.txt');
  const type = found?.text.trim().toLowerCase();
  if (type === 'retrieval' || type === 'multilabel') {
    throw new InputError(
      `${found!.file} says "${type}": ${type} WebDataset sets are not supported yet; WebDataset shards are read as classification data (.cls labels)`,
    );
  }
}

/** A captioned set says so before it says it lacks class names. */
function missingClassNames(set: ShardSet): InputError {
  const tar = new TarFile(set.shards[0]!);
  try {
    const first = shardSamples(tar).next();
    if (first.done !== true) {
      const caption = captionWithoutLabel(first.value);
      if (caption !== undefined) return retrievalNotSupported(tar.path, first.value, caption);
    }
  } finally {
    tar.close();
  }
  return new InputError(
    `no class names for the WebDataset shards ${set.root}: put classnames.txt (one name per line, in label order) ` +
      `in ${set.metaDirs[0]!}, or pass --classnames <file>`,
  );
}

/** The folder the class names or templates came from (CLIP_benchmark's root above `test/`), else the shards' folder; one shard alone by its own name. */
function datasetName(set: ShardSet, names: ShardClassNames, templatesDir: string | undefined): string {
  const metaDir = names.dir ?? templatesDir;
  if (metaDir !== undefined) return path.basename(metaDir);
  if (set.shards.length === 1 && set.root === set.shards[0]) return path.basename(set.root).replace(/\.tar$/i, '');
  return path.basename(path.dirname(set.shards[0]!));
}
