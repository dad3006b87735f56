import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareCodePoints,
  InputError,
  loadDataset,
  selectSubset,
  type ClassificationDataset,
  type ClassificationItem,
} from '../src/datasets/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FASHION = '/usr/share/datasets/fashion-mnist';
const hasFashion = existsSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz'));
const NEEDS_FASHION = `needs Debian's dataset-fashion-mnist in ${FASHION}`;
if (!hasFashion)
  console.warn(
    `skipping the tests that read the full Fashion-MNIST test split: ${NEEDS_FASHION} (apt-get install dataset-fashion-mnist; .ci/run installs it)`,
  );

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'clipbench-datasets-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
/** A fresh folder per test, so fixtures never leak between cases. */
async function fixture(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = path.join(tmp, `case-${++counter}`);
  await mkdir(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

function load(spec: string, cwd = tmp, datasetsDir = path.join(REPO, 'datasets'), split?: 'test' | 'train') {
  return loadDataset(spec, { cwd, datasetsDir, split });
}

async function inputError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

function ids(d: ClassificationDataset): string[] {
  return d.items.map((item) => item.id);
}

function labelNames(d: ClassificationDataset): string[] {
  return d.items.map((item) => d.classNames[item.label]!);
}

describe('class folders', () => {
  it('sorts classes by code point and walks each class like ImageFolder', async () => {
    const root = await fixture({
      'coffee & tea/b.jpg': '',
      'coffee & tea/A.PNG': '',
      'coffee & tea/notes.txt': '',
      'coffee & tea/.hidden.jpg': '',
      'coffee & tea/.thumbs/x.jpg': '',
      'coffee & tea/sub/c.webp': '',
      'coffee & tea/z.tiff': '',
      'Zebra/1.jpeg': '',
      "dog's toy (big)/p.gif": '',
      '.git/x.png': '',
      'README.md': '',
      'root-level.png': '',
    });
    const d = await load(root);
    expect(d).toMatchObject({ task: 'classification', format: 'folder', root, name: path.basename(root) });
    expect(d.classNames).toEqual(['Zebra', 'coffee & tea', "dog's toy (big)"]);
    // Files of a directory come before its subdirectories' files: sorted(os.walk) order.
    expect(ids(d)).toEqual([
      'Zebra/1.jpeg',
      'coffee & tea/A.PNG',
      'coffee & tea/b.jpg',
      'coffee & tea/z.tiff',
      'coffee & tea/sub/c.webp',
      "dog's toy (big)/p.gif",
    ]);
    expect(d.items.map((i) => i.label)).toEqual([0, 1, 1, 1, 1, 2]);
    expect(d.items[1]!.source).toEqual({ kind: 'file', path: path.join(root, 'coffee & tea/A.PNG') });
  });

  it('compares code points, not UTF-16 units', () => {
    const astral = '\u{1F600}';
    expect(['\uFF01', astral, 'a'].sort(compareCodePoints)).toEqual(['a', '\uFF01', astral]);
  });

  it('maps folders to readable names with classnames.json (object or array)', async () => {
    const files = { 'n02/a.jpg': '', 'n01/a.jpg': '' };
    const obj = await fixture({ ...files, 'classnames.json': JSON.stringify({ n02: 'goldfish', n01: 'tench' }) });
    expect((await load(obj)).classNames).toEqual(['tench', 'goldfish']);
    const arr = await fixture({ ...files, 'classnames.json': '["tench", "goldfish"]' });
    expect(labelNames(await load(arr))).toEqual(['tench', 'goldfish']);
  });

  it('maps folders with classnames.txt (lines in folder order, or folder<TAB>name)', async () => {
    const files = { 'b/x.png': '', 'a/x.png': '' };
    const lines = await fixture({ ...files, 'classnames.txt': 'apple\r\nbanana\n\n' });
    expect((await load(lines)).classNames).toEqual(['apple', 'banana']);
    const tabs = await fixture({ ...files, 'classnames.txt': 'b\tbanana split\na\tapple pie\n' });
    expect((await load(tabs)).classNames).toEqual(['apple pie', 'banana split']);
  });

  it('rejects a mapping that misses or invents a folder, naming file and folder', async () => {
    const files = { 'a/x.png': '', 'b/x.png': '' };
    const missing = await fixture({ ...files, 'classnames.json': '{"a": "apple"}' });
    const m1 = await inputError(load(missing));
    expect(m1).toContain(path.join(missing, 'classnames.json'));
    expect(m1).toContain('"b"');
    const unknown = await fixture({ ...files, 'classnames.txt': 'a\tapple\nb\tbanana\nc\tcherry\n' });
    const m2 = await inputError(load(unknown));
    expect(m2).toContain(path.join(unknown, 'classnames.txt'));
    expect(m2).toContain('"c"');
    const short = await fixture({ ...files, 'classnames.txt': 'apple\n' });
    expect(await inputError(load(short))).toMatch(/no name for folder "b"/);
    const both = await fixture({ ...files, 'classnames.txt': 'x\ny\n', 'classnames.json': '["x","y"]' });
    expect(await inputError(load(both))).toMatch(/keep only one/);
  });

  it('says what layout it expects when there are no images', async () => {
    const root = await fixture({ 'a/readme.txt': '', 'top.png': '' });
    const message = await inputError(load(root));
    expect(message).toContain(`no images found in ${root}`);
    expect(message).toContain('<root>/<class>/<image>');
  });

  it('follows symlinked folders without looping', async () => {
    const root = await fixture({ 'a/x.png': '', 'other/y.png': '' });
    await symlink(path.join(root, 'a'), path.join(root, 'a', 'loop'));
    await symlink(path.join(root, 'other'), path.join(root, 'a', 'linked'));
    expect(ids(await load(root))).toEqual(['a/x.png', 'a/linked/y.png', 'other/y.png']);
  });
});

describe('manifests', () => {
  it('reads a CSV with RFC 4180 quotes, relative and absolute paths', async () => {
    const csv = ['image,label,note', '"imgs/a, b.png",cat,x', '"imgs/say ""hi"".png",dog,"two', 'lines"', '/abs/c.png,"cat",', ''].join(
      '\n',
    );
    const dir = await fixture({ 'm.csv': csv });
    const d = await load('m.csv', dir);
    expect(d).toMatchObject({ format: 'manifest', name: 'm', root: path.join(dir, 'm.csv') });
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect(ids(d)).toEqual(['imgs/a, b.png', 'imgs/say "hi".png', '/abs/c.png']);
    expect(d.items.map((i) => i.source)).toEqual([
      { kind: 'file', path: path.join(dir, 'imgs/a, b.png') },
      { kind: 'file', path: path.join(dir, 'imgs/say "hi".png') },
      { kind: 'file', path: '/abs/c.png' },
    ]);
  });

  it('reads a TSV with a path column', async () => {
    const dir = await fixture({ 'list.tsv': 'label\tpath\nsea lion\tx/1.jpg\nant\tx/2.jpg\n' });
    const d = await load(path.join(dir, 'list.tsv'));
    expect(d.classNames).toEqual(['ant', 'sea lion']);
    expect(labelNames(d)).toEqual(['sea lion', 'ant']);
  });

  it('names file, line and column for a bad row, counting lines inside quotes', async () => {
    const dir = await fixture({
      'short.csv': 'image,label\n"multi\nline.png",cat\nb.png\n',
      'long.csv': 'image,label\na.png,cat,extra\n',
      'empty.csv': 'image,label\na.png,cat\n ,dog\n',
      'header.csv': 'file,label\na.png,cat\n',
      'quote.csv': 'image,label\na.png,cat\n"b.png,dog\n',
    });
    const file = (name: string): string => path.join(dir, name);
    expect(await inputError(load(file('short.csv')))).toMatch(new RegExp(`^${file('short.csv')}:4: column "label"`));
    expect(await inputError(load(file('long.csv')))).toContain(`${file('long.csv')}:2: column 3`);
    expect(await inputError(load(file('empty.csv')))).toContain(`${file('empty.csv')}:3: column "image": empty image path`);
    expect(await inputError(load(file('header.csv')))).toContain(`${file('header.csv')}:1: missing column "image"`);
    expect(await inputError(load(file('quote.csv')))).toContain(`${file('quote.csv')}:3:`);
  });

  it('takes the class order from a classnames.txt sidecar and rejects unknown classes', async () => {
    const dir = await fixture({ 'classnames.txt': 'zebra\napple\n', 'ok.csv': 'image,label\na.png,apple\n' });
    expect((await load(path.join(dir, 'ok.csv'))).classNames).toEqual(['zebra', 'apple']);
    await writeFile(path.join(dir, 'bad.csv'), 'image,label\na.png,apple\nb.png,pear\n');
    expect(await inputError(load(path.join(dir, 'bad.csv')))).toContain(`unknown class "pear" at ${path.join(dir, 'bad.csv')}:3`);
  });
});

/** Big-endian IDX files as MNIST ships them. */
function idxImages(images: number[][], rows = 2, cols = 2, magic = 0x803): Uint8Array {
  const header = Buffer.alloc(16);
  [magic, images.length, rows, cols].forEach((v, i) => header.writeUInt32BE(v, i * 4));
  return Buffer.concat([header, Buffer.from(images.flat())]);
}

function idxLabels(labels: number[], magic = 0x801): Uint8Array {
  const header = Buffer.alloc(8);
  [magic, labels.length].forEach((v, i) => header.writeUInt32BE(v, i * 4));
  return Buffer.concat([header, Buffer.from(labels)]);
}

describe('IDX files', () => {
  const test = {
    images: [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ],
    labels: [2, 0, 1],
  };
  const train = { images: [[0, 0, 0, 0]], labels: [3] };

  async function idxFolder(gz: boolean): Promise<string> {
    const z = (b: Uint8Array): Uint8Array => (gz ? gzipSync(b) : b);
    const ext = gz ? '.gz' : '';
    return fixture({
      [`t10k-images-idx3-ubyte${ext}`]: z(idxImages(test.images)),
      [`t10k-labels-idx1-ubyte${ext}`]: z(idxLabels(test.labels)),
      [`train-images-idx3-ubyte${ext}`]: z(idxImages(train.images)),
      [`train-labels-idx1-ubyte${ext}`]: z(idxLabels(train.labels)),
    });
  }

  it.each([false, true])('reads the test split by default (gzip: %s) as views into one buffer', async (gz) => {
    const dir = await idxFolder(gz);
    const d = await load(dir);
    expect(d).toMatchObject({ format: 'idx', root: dir, classNames: ['0', '1', '2'] });
    expect(ids(d)).toEqual(['t10k-images-idx3-ubyte#0', 't10k-images-idx3-ubyte#1', 't10k-images-idx3-ubyte#2']);
    expect(d.items.map((i) => i.label)).toEqual(test.labels);
    const images = d.items.map((i) => (i.source.kind === 'pixels' ? i.source.image : undefined));
    expect(images[1]).toMatchObject({ width: 2, height: 2, channels: 1 });
    expect([...images[1]!.data]).toEqual([5, 6, 7, 8]);
    expect(images[2]!.data.buffer).toBe(images[0]!.data.buffer);
  });

  it('reads the train split on request, or the pair of a file given directly', async () => {
    const dir = await idxFolder(true);
    const train1 = await load(dir, tmp, undefined, 'train');
    expect(train1.classNames).toEqual(['0', '1', '2', '3']);
    expect(ids(train1)).toEqual(['train-images-idx3-ubyte#0']);
    const byLabelsFile = await load(path.join(dir, 'train-labels-idx1-ubyte.gz'));
    expect(ids(byLabelsFile)).toEqual(ids(train1));
  });

  it('takes class names from classnames.txt next to the files', async () => {
    const dir = await idxFolder(false);
    await writeFile(path.join(dir, 'classnames.txt'), 'zero\none\ntwo\n');
    expect(labelNames(await load(dir))).toEqual(['two', 'zero', 'one']);
    await writeFile(path.join(dir, 'classnames.txt'), 'zero\none\n');
    expect(await inputError(load(dir))).toMatch(/label 2 \(record 0\) has no class name/);
  });

  it('rejects a bad magic number, a count mismatch and a truncated file, naming the file', async () => {
    const badMagic = await fixture({
      'x-images-idx3-ubyte': idxImages(test.images, 2, 2, 0x801),
      'x-labels-idx1-ubyte': idxLabels(test.labels),
    });
    const m1 = await inputError(load(badMagic));
    expect(m1).toContain(path.join(badMagic, 'x-images-idx3-ubyte'));
    expect(m1).toContain('magic number 0x00000801');
    const mismatch = await fixture({
      't10k-images-idx3-ubyte.gz': gzipSync(idxImages(test.images)),
      't10k-labels-idx1-ubyte': idxLabels([1, 2]),
    });
    const m2 = await inputError(load(mismatch));
    expect(m2).toContain(`${path.join(mismatch, 't10k-labels-idx1-ubyte')} has 2 labels`);
    expect(m2).toContain(`${path.join(mismatch, 't10k-images-idx3-ubyte.gz')} has 3 images`);
    const truncated = await fixture({
      't10k-images-idx3-ubyte': idxImages(test.images).subarray(0, 20),
      't10k-labels-idx1-ubyte': idxLabels(test.labels),
    });
    expect(await inputError(load(truncated))).toContain(`${path.join(truncated, 't10k-images-idx3-ubyte')}: the header promises`);
  });

  it.skipIf(!hasFashion)(`loads Debian Fashion-MNIST through the fashion-mnist descriptor (${NEEDS_FASHION})`, async () => {
    const d = await load('fashion-mnist', REPO, path.join(REPO, 'datasets'));
    expect(d).toMatchObject({ name: 'fashion-mnist', format: 'idx', root: FASHION });
    expect(d.items).toHaveLength(10_000);
    expect(d.items[0]!.label).toBe(9);
    expect(d.classNames[9]).toBe('Ankle boot');
    expect(d.items[0]!.source).toMatchObject({ kind: 'pixels', image: { width: 28, height: 28, channels: 1 } });
  });
});

describe('descriptors', () => {
  it('resolves a name to <datasetsDir>/<name>.json with a path relative to it', async () => {
    const dir = await fixture({
      'defs/pets.json': JSON.stringify({ name: 'pets', format: 'folder', path: '../data', classnames: { c: 'cat', d: 'dog' } }),
      'data/c/1.png': '',
      'data/d/2.png': '',
    });
    const d = await load('pets', tmp, path.join(dir, 'defs'));
    expect(d).toMatchObject({ name: 'pets', format: 'folder', root: path.join(dir, 'data'), classNames: ['cat', 'dog'] });
    expect(await inputError(load('nothing-here', tmp, path.join(dir, 'defs')))).toContain('known names: pets');
  });

  it('rejects bad fields, naming the descriptor file and the field', async () => {
    const cases: Array<[object, string]> = [
      [
        { format: 'zip', path: '.' },
        'd.json: format: expected one of "folder", "manifest", "idx", "webdataset", "parquet", "coco", "karpathy", "pairs", got "zip"',
      ],
      [{ format: 'idx' }, 'd.json: missing "path" (expected a path to the dataset folder or file)'],
      [{ format: 'folder', path: '.', split: 'test' }, 'd.json: split: only applies to "idx"'],
      [{ format: 'idx', path: '.', classNames: [] }, 'd.json: unknown field "classNames"; known: name, task, format, path'],
      [{ format: 'manifest', path: 'm.csv', classnames: { a: 'b' } }, 'd.json: classnames: expected one class name per line'],
      [{ format: 'folder', path: '.', classnames: ['a', ' '] }, 'd.json: classnames[1]: expected a non-empty string, got " "'],
    ];
    for (const [body, expected] of cases) {
      const dir = await fixture({ 'd.json': JSON.stringify(body) });
      const message = await inputError(load(path.join(dir, 'd.json')));
      expect(message).toContain(path.join(dir, 'd.json'));
      expect(message).toContain(expected);
    }
  });

  it('says how to install data that is missing', async () => {
    const dir = await fixture({
      'gone.json': JSON.stringify({ format: 'idx', path: 'nowhere', install: 'apt-get install dataset-gone' }),
    });
    const message = await inputError(load('gone', tmp, dir));
    expect(message).toContain(`${path.join(dir, 'nowhere')} does not exist`);
    expect(message).toContain('get it with: apt-get install dataset-gone');
  });
});

describe('bundled demo data', () => {
  it('is 1,000 Fashion-MNIST test images, 100 per class, with readable names', async () => {
    const d = await load('fashion-mnist-demo', REPO);
    expect(d.items).toHaveLength(1000);
    expect([...d.classNames].sort()).toEqual(
      ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'].sort(),
    );
    const counts = d.classNames.map((_, label) => d.items.filter((i) => i.label === label).length);
    expect(counts).toEqual(new Array(10).fill(100));
  });

  it.skipIf(!hasFashion)(`holds exactly the IDX pixels (${NEEDS_FASHION})`, async () => {
    const [demo, full] = await Promise.all([load('fashion-mnist-demo', REPO), load('fashion-mnist', REPO)]);
    for (const item of demo.items.filter((_, i) => i % 97 === 0)) {
      const index = Number(path.basename(item.id, '.png'));
      const source = full.items[index]!;
      expect(full.classNames[source.label]).toBe(demo.classNames[item.label]);
      if (item.source.kind !== 'file' || source.source.kind !== 'pixels') throw new Error('unexpected source kinds');
      const png = await sharp(item.source.path).extractChannel(0).raw().toBuffer();
      expect(new Uint8Array(png)).toEqual(source.source.image.data);
    }
  });
});

describe('subsets', () => {
  function synthetic(n: number, classes: number): ClassificationDataset {
    const items: ClassificationItem[] = Array.from({ length: n }, (_, i) => ({
      id: `c${i % classes}/img${i}.png`,
      source: { kind: 'file', path: `/x/${i}.png` },
      label: i % classes,
    }));
    const classNames = Array.from({ length: classes }, (_, i) => `class ${i}`);
    return { task: 'classification', name: 'synthetic', format: 'folder', root: '/x', classNames, items };
  }
  const data = synthetic(200, 4);

  it('returns the dataset unchanged without limit or perClass', () => {
    expect(selectSubset(data, { seed: 3 })).toBe(data);
  });

  it('is deterministic per seed and keeps the original order', () => {
    const a = selectSubset(data, { limit: 20, seed: 7 });
    expect(ids(selectSubset(data, { limit: 20, seed: 7 }))).toEqual(ids(a));
    expect(ids(selectSubset(data, { limit: 20, seed: 8 }))).not.toEqual(ids(a));
    const positions = a.items.map((item) => data.items.indexOf(item));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(a).toMatchObject({ name: data.name, classNames: data.classNames, root: data.root });
  });

  it('nests: a smaller limit picks a subset of a larger one', () => {
    const small = new Set(ids(selectSubset(data, { limit: 10 })));
    const large = new Set(ids(selectSubset(data, { limit: 50 })));
    expect(small.size).toBe(10);
    expect([...small].every((id) => large.has(id))).toBe(true);
  });

  it('balances classes with perClass, then applies limit', () => {
    const perClass = selectSubset(data, { perClass: 5, seed: 1 });
    expect(perClass.items).toHaveLength(20);
    for (let label = 0; label < 4; label++) expect(perClass.items.filter((i) => i.label === label)).toHaveLength(5);
    const both = selectSubset(data, { perClass: 5, limit: 8, seed: 1 });
    expect(both.items).toHaveLength(8);
    expect(ids(both).every((id) => ids(perClass).includes(id))).toBe(true);
  });

  it('does not depend on the listing order', () => {
    const reversed = { ...data, items: [...data.items].reverse() };
    const a = ids(selectSubset(data, { perClass: 3, seed: 11 })).sort();
    const b = ids(selectSubset(reversed, { perClass: 3, seed: 11 })).sort();
    expect(b).toEqual(a);
  });

  it('rejects limits that are not positive whole numbers', () => {
    expect(() => selectSubset(data, { limit: 0 })).toThrow(InputError);
    expect(() => selectSubset(data, { perClass: 1.5 })).toThrow(/perClass must be a positive whole number/);
  });
});
