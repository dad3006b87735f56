import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathKind, plural } from './fsutil.js';
import { compareCodePoints } from './order.js';
import { expandShardPattern, hasBraceGroup } from './shardPattern.js';
import { compressedShardError } from './tarIndex.js';
import { InputError } from './types.js';

/** The shards a `--dataset` spec names, and where to look for what comes with them. */
export interface ShardSet {
  /** Absolute paths, in reading order. */
  readonly shards: readonly string[];
  /** The dataset's `root` as reported: the folder, the pattern or the file, absolute. */
  readonly root: string;
  /**
   * Folders that may hold classnames.txt and the templates: the shards' own, then the one above it
   * (CLIP_benchmark's `<root>/<split>/<n>.tar` layout keeps them in `<root>`).
   */
  readonly metaDirs: readonly string[];
}

const TAR = /\.tar$/i;
const COMPRESSED_TAR = /\.(tar\.gz|tgz|tar\.bz2|tar\.xz|tar\.zst)$/i;
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^pipe:/i;
/** What CLIP_benchmark's WebDataset export writes beside its split folders, and an ImageNet-style folder never holds. */
export const CLIP_BENCHMARK_MARKERS = ['zeroshot_classification_templates.txt', 'dataset_type.txt'];
const NSHARDS = 'nshards.txt';

export function isShardName(name: string): boolean {
  return TAR.test(name) || COMPRESSED_TAR.test(name);
}

/** A spec that is no existing path but names shards: a brace pattern or a remote URL ending in a shard name. */
export function isShardSpec(spec: string): boolean {
  return isShardName(spec) && (hasBraceGroup(spec) || REMOTE.test(spec));
}

/**
 * Resolves a spec to its shards: one `.tar` file; a brace pattern (`test/{000000..000004}.tar`),
 * every name of which must exist; a folder of `.tar` files (sorted by name, or `0.tar` …
 * `<n-1>.tar` where CLIP_benchmark's nshards.txt says how many); or a CLIP_benchmark export root,
 * read in its `<split>/` folder (default `test`).
 */
export async function resolveShards(spec: string, cwd: string, split: string | undefined): Promise<ShardSet> {
  if (REMOTE.test(spec)) throw new InputError(`${spec}: remote shards are not read; download them and give the local folder or pattern`);
  const target = path.resolve(cwd, spec);
  const kind = await pathKind(target);
  if (kind === 'file') {
    checkUncompressed(target);
    return { shards: [target], root: target, metaDirs: metaDirsOf(path.dirname(target)) };
  }
  if (kind === 'dir') return folderShards(target, split);
  if (kind === 'missing' && hasBraceGroup(spec)) return patternShards(spec, cwd);
  throw new InputError(`${target} ${kind === 'missing' ? 'does not exist' : 'is not a file or folder'}`);
}

async function folderShards(dir: string, split: string | undefined): Promise<ShardSet> {
  const names = await readdir(dir);
  const tars = names.filter((n) => TAR.test(n)).sort(compareCodePoints);
  if (tars.length > 0) {
    const shards = names.includes(NSHARDS) ? await countedShards(dir, tars) : tars;
    return { shards: shards.map((n) => path.join(dir, n)), root: dir, metaDirs: metaDirsOf(dir) };
  }
  const compressed = names.find((n) => COMPRESSED_TAR.test(n));
  if (compressed !== undefined) checkUncompressed(path.join(dir, compressed));
  if (CLIP_BENCHMARK_MARKERS.some((m) => names.includes(m))) {
    const splitDir = path.join(dir, split ?? 'test');
    if ((await pathKind(splitDir)) !== 'dir') {
      throw new InputError(`${dir} looks like a CLIP_benchmark WebDataset export, but has no ${split ?? 'test'}/ folder of shards; pick one with --split`);
    }
    const inner = await folderShards(splitDir, undefined);
    return { ...inner, metaDirs: [splitDir, dir] };
  }
  throw new InputError(`no .tar shards in ${dir}: expected WebDataset shards (<dir>/*.tar) or a pattern such as ${path.join(dir, '{000000..000009}.tar')}`);
}

/** CLIP_benchmark reads exactly `{0..n-1}.tar`; a missing one is a partial download. */
async function countedShards(dir: string, tars: readonly string[]): Promise<string[]> {
  const file = path.join(dir, NSHARDS);
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^\d+$/.test(text)) throw new InputError(`${file}: expected the number of shards, got ${JSON.stringify(text)}`);
  const wanted = Array.from({ length: Number(text) }, (_, i) => `${i}.tar`);
  const missing = wanted.filter((n) => !tars.includes(n));
  if (missing.length > 0) {
    throw new InputError(`${file} says ${plural(wanted.length, 'shard')}, but ${missing.length} ${missing.length === 1 ? 'is' : 'are'} missing: ${missingList(missing)}`);
  }
  return wanted;
}

async function patternShards(spec: string, cwd: string): Promise<ShardSet> {
  const shards = expandShardPattern(spec).map((s) => path.resolve(cwd, s));
  shards.forEach(checkUncompressed);
  const kinds = await Promise.all(shards.map((s) => pathKind(s)));
  const missing = shards.filter((_, i) => kinds[i] !== 'file');
  const root = path.resolve(cwd, spec);
  if (missing.length === shards.length) {
    throw new InputError(`shard pattern ${root} matches no shard: none of its ${shards.length} names exist (first: ${shards[0]!})`);
  }
  if (missing.length > 0) {
    throw new InputError(`shard pattern ${root}: ${missing.length} of its ${shards.length} shards do not exist: ${missingList(missing)}`);
  }
  return { shards, root, metaDirs: metaDirsOf(path.dirname(shards[0]!)) };
}

function metaDirsOf(dir: string): string[] {
  return [dir, path.dirname(dir)];
}

function checkUncompressed(file: string): void {
  const ext = COMPRESSED_TAR.exec(file)?.[1]?.toLowerCase();
  if (ext === undefined) return;
  const tool = ext.endsWith('gz') ? ['gzip', 'gunzip -k'] : ext.endsWith('bz2') ? ['bzip2', 'bunzip2 -k'] : ext.endsWith('xz') ? ['xz', 'unxz -k'] : ['zstd', 'unzstd'];
  throw compressedShardError(file, tool[0]!, tool[1]!);
}

function missingList(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}
