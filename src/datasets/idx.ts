import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { CLASSNAMES_JSON, CLASSNAMES_TXT, findClassNames, requireList } from './classnames.js';
import { isNotFound, pathKind, plural } from './fsutil.js';
import { compareCodePoints } from './order.js';
import { InputError, type ClassificationDataset, type ClassificationItem } from './types.js';

export type Split = 'test' | 'train';
export const SPLITS: readonly Split[] = ['test', 'train'];

const IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions (count, rows, columns)
const LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension (count)
const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;

/** `t10k-images-idx3-ubyte.gz`; Kaggle's MNIST copy spells it `t10k-images.idx3-ubyte`. */
const IDX_NAME = /^(.+)-(images|labels)[-.](idx3|idx1)-ubyte(\.gz)?$/i;

const gunzipAsync = promisify(gunzip);

export interface IdxOptions {
  readonly name?: string;
  /** Which split to read from a folder holding several; default test (`t10k-*`). */
  readonly split?: Split;
  /** Class names in label order (a descriptor's `classnames`); overrides classnames.txt. */
  readonly classNames?: readonly string[];
  readonly classNamesSource?: string;
}

interface IdxPair {
  readonly images: string;
  readonly labels: string;
}

interface ImageBlock {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly pixels: Uint8Array;
}

/**
 * Reads an MNIST-style images/labels pair (raw or gzipped) from a folder or from either file.
 * All images are views into one decompressed buffer: one copy of the file instead of 60,000 small
 * allocations. Posting a view to a thread would clone that whole buffer, which is why the
 * preprocessing pool copies each image's bytes into its message.
 */
export async function loadIdxDataset(target: string, options: IdxOptions = {}): Promise<ClassificationDataset> {
  const pair = await findPair(path.resolve(target), options.split ?? 'test');
  const [block, labels] = await Promise.all([readImages(pair.images), readLabels(pair.labels)]);
  if (labels.length !== block.count) {
    throw new InputError(
      `${pair.labels} has ${labels.length} labels but ${pair.images} has ${block.count} images; ` +
        'use the labels file of the same split',
    );
  }
  const root = path.dirname(pair.images);
  const classNames = await idxClassNames(root, labels, pair.labels, options);
  const base = path.basename(pair.images).replace(/\.gz$/i, '');
  const size = block.rows * block.cols;
  const items = Array.from(labels, (label, i): ClassificationItem => {
    const data = block.pixels.subarray(i * size, (i + 1) * size);
    const image = { width: block.cols, height: block.rows, channels: 1 as const, data };
    return { id: `${base}#${i}`, source: { kind: 'pixels', image }, label };
  });
  return { task: 'classification', name: options.name ?? path.basename(root), format: 'idx', root, classNames, items };
}

export function isIdxName(name: string): boolean {
  return IDX_NAME.test(name);
}

async function findPair(target: string, split: Split): Promise<IdxPair> {
  const kind = await pathKind(target);
  if (kind === 'missing') throw new InputError(`${target} does not exist; check the IDX folder or file path`);
  const dir = kind === 'dir' ? target : path.dirname(target);
  const names = await readdir(dir);
  const prefix = kind === 'dir' ? prefixForSplit(dir, names, split) : prefixOfFile(target);
  return {
    images: path.join(dir, pickFile(dir, names, prefix, 'images')),
    labels: path.join(dir, pickFile(dir, names, prefix, 'labels')),
  };
}

function prefixOfFile(file: string): string {
  const match = IDX_NAME.exec(path.basename(file));
  if (match === null) {
    throw new InputError(`${file}: not an IDX file name; expected <prefix>-images-idx3-ubyte[.gz] or <prefix>-labels-idx1-ubyte[.gz]`);
  }
  return match[1]!;
}

function splitOf(prefix: string): Split | undefined {
  if (/(^|[-_.])(t10k|test)$/i.test(prefix)) return 'test';
  if (/(^|[-_.])train$/i.test(prefix)) return 'train';
  return undefined;
}

function prefixForSplit(dir: string, names: readonly string[], split: Split): string {
  const prefixes = imagePrefixes(names);
  const matching = prefixes.filter((p) => splitOf(p) === split);
  const only = prefixes[0];
  if (matching.length === 0 && prefixes.length === 1 && only !== undefined && splitOf(only) === undefined) return only;
  if (matching.length === 1) return matching[0]!;
  const found = prefixes.length === 0 ? 'none' : prefixes.map((p) => `${p}-images-idx3-ubyte`).join(', ');
  if (matching.length === 0) {
    const other = SPLITS.find((s) => s !== split && prefixes.some((p) => splitOf(p) === s));
    const fix = other === undefined ? 'point at a folder that has them' : `ask for split "${other}" or another folder`;
    throw new InputError(`no ${split}-split IDX images in ${dir} (found: ${found}); ${fix}`);
  }
  throw new InputError(`several ${split}-split IDX image files in ${dir} (${found}); name one file as the dataset`);
}

function imagePrefixes(names: readonly string[]): string[] {
  const prefixes = new Set<string>();
  for (const name of names) {
    const match = IDX_NAME.exec(name);
    if (match !== null && match[2]!.toLowerCase() === 'images') prefixes.add(match[1]!);
  }
  return [...prefixes].sort(compareCodePoints);
}

/** The uncompressed file wins when both exist: it is the same data and quicker to read. */
function pickFile(dir: string, names: readonly string[], prefix: string, kind: 'images' | 'labels'): string {
  const candidates = names.filter((name) => {
    const match = IDX_NAME.exec(name);
    return match !== null && match[1] === prefix && match[2]!.toLowerCase() === kind;
  });
  candidates.sort((a, b) => Number(a.endsWith('.gz')) - Number(b.endsWith('.gz')) || compareCodePoints(a, b));
  const chosen = candidates[0];
  if (chosen === undefined) {
    const dims = kind === 'images' ? 'idx3' : 'idx1';
    throw new InputError(`no ${kind} file for "${prefix}" in ${dir}: expected ${prefix}-${kind}-${dims}-ubyte[.gz] there`);
  }
  return chosen;
}

async function readImages(file: string): Promise<ImageBlock> {
  const bytes = await readIdxBytes(file);
  const view = headerView(bytes, IMAGES_HEADER, file);
  checkMagic(view.getUint32(0), IMAGES_MAGIC, file, 'images (idx3)');
  const [count, rows, cols] = [view.getUint32(4), view.getUint32(8), view.getUint32(12)];
  if (rows === 0 || cols === 0) throw new InputError(`${file}: header says images are ${rows}×${cols}; the file is corrupt`);
  checkLength(bytes, IMAGES_HEADER + count * rows * cols, file, `${count} images of ${rows}×${cols}`);
  return { count, rows, cols, pixels: bytes.subarray(IMAGES_HEADER) };
}

async function readLabels(file: string): Promise<Uint8Array> {
  const bytes = await readIdxBytes(file);
  const view = headerView(bytes, LABELS_HEADER, file);
  checkMagic(view.getUint32(0), LABELS_MAGIC, file, 'labels (idx1)');
  const count = view.getUint32(4);
  checkLength(bytes, LABELS_HEADER + count, file, `${count} labels`);
  return bytes.subarray(LABELS_HEADER);
}

/** Gzip is detected by its magic bytes, not the name, so a renamed file still loads. */
async function readIdxBytes(file: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`${file} does not exist; check the IDX path`);
    throw err;
  }
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return asPlainBytes(raw);
  try {
    return asPlainBytes(await gunzipAsync(raw));
  } catch (err) {
    throw new InputError(`${file}: cannot decompress (${(err as Error).message}); the file is damaged, fetch it again`);
  }
}

/** A plain Uint8Array view (no copy): consumers compare and hash image data, and Buffer differs there. */
function asPlainBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function headerView(bytes: Uint8Array, size: number, file: string): DataView {
  if (bytes.length < size) {
    throw new InputError(`${file}: only ${bytes.length} bytes, shorter than an IDX header; the file is damaged`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, size);
}

function checkMagic(actual: number, expected: number, file: string, what: string): void {
  if (actual === expected) return;
  const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
  throw new InputError(
    `${file}: magic number ${hex(actual)} is not ${hex(expected)}, so this is not an IDX ${what} file; ` +
      'check that images and labels files are not swapped or damaged',
  );
}

function checkLength(bytes: Uint8Array, expected: number, file: string, what: string): void {
  if (bytes.length === expected) return;
  throw new InputError(
    `${file}: the header promises ${what} (${expected} bytes) but the data is ${bytes.length} bytes; ` +
      'the file is truncated or damaged, fetch it again',
  );
}

async function idxClassNames(
  dir: string,
  labels: Uint8Array,
  labelsFile: string,
  options: IdxOptions,
): Promise<string[]> {
  const max = labels.reduce((m, v) => (v > m ? v : m), 0);
  let names: string[];
  let source: string;
  if (options.classNames !== undefined) {
    source = options.classNamesSource ?? 'classnames';
    names = requireList(options.classNames, source);
  } else {
    const found = await findClassNames(dir, [CLASSNAMES_TXT, CLASSNAMES_JSON]);
    if (found === undefined) return Array.from({ length: max + 1 }, (_, i) => String(i));
    source = found.file;
    names = requireList(found.mapping, source);
  }
  if (max >= names.length) {
    const at = labels.indexOf(max);
    throw new InputError(
      `${labelsFile}: label ${max} (record ${at}) has no class name: ${source} lists ${plural(names.length, 'name')}; ` +
        'list one name per label value, in label order',
    );
  }
  return names;
}
