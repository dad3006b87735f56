import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import type { ColumnSource } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { InputError, loadAnyDataset, loadDataset, type ClassificationDataset } from '../src/datasets/index.js';
import { readParquetCell } from '../src/datasets/parquetCells.js';
import type { PackedImage } from '../src/datasets/types.js';
import { benchRun } from '../src/run/benchRun.js';
import { ROOT, TINY_MODEL, classificationResults, smallFolderDataset, tempDir } from './helpers.js';
import { datasetCard, demoImage, hfParquet, rowsOfFolder, table, writeTree, type HfRow } from './parquetHelpers.js';

const DATASETS_DIR = path.join(ROOT, 'datasets');
const NAMES = ['Bag', 'Coat', 'Dress'];
const SHARD = 'test-00000-of-00001.parquet';

/** Six demo images, two per class of NAMES, as Hugging Face rows. */
const SIX: HfRow[] = ['bag/0018.png', 'bag/0030.png', 'coat/0006.png', 'coat/0010.png', 'dress/0013.png', 'dress/0029.png'].map((p, i) => ({
  image: { bytes: demoImage(p), path: path.basename(p) },
  label: Math.floor(i / 2),
}));

function load(spec: string, cwd: string, extra: { split?: string; classnames?: string } = {}): Promise<ClassificationDataset> {
  return loadDataset(spec, { cwd, datasetsDir: DATASETS_DIR, ...extra });
}

/** A repository in Hugging Face's layout: README.md (card) at the top, the shards in data/. */
function hfRepo(files: Readonly<Record<string, Uint8Array>>, card: string | null = datasetCard(NAMES)): string {
  const repo = tempDir('hf-repo-');
  writeTree(repo, Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`data/${name}`, bytes])));
  if (card !== null) writeFileSync(path.join(repo, 'README.md'), card);
  return repo;
}

async function inputError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

function cell(container: string, row: number): Extract<PackedImage, { kind: 'parquet' }> {
  return { kind: 'parquet', container, row, column: 'image' };
}

describe('Parquet and class folders give the same run', () => {
  const config = (dataset: string, cacheDir: string) =>
    resolveRunConfig(ROOT, { model: TINY_MODEL, dataset, out: tempDir('reports-'), cacheDir, threads: 2, batchSize: 16 });
  const prompts = [path.join(ROOT, 'prompts/basic.hbs')];

  it('same predictions, metrics and image hashes (three row groups, snappy)', async () => {
    const folder = smallFolderDataset(10, 6);
    const { rows, classNames } = await rowsOfFolder(folder);
    const repo = hfRepo({ [SHARD]: hfParquet(rows, { rowGroupSize: 25 }) }, datasetCard(classNames));
    expect(parquetMetadata(readFileSync(path.join(repo, 'data', SHARD))).row_groups).toHaveLength(3);
    const cache = tempDir('cache-');
    // Parquet first, so its images go through the preprocessing workers; the folder then hits every one.
    const fromParquet = classificationResults((await benchRun(config(path.join(repo, 'data'), cache), prompts, ROOT)).results);
    const fromFolder = classificationResults((await benchRun(config(folder, cache), prompts, ROOT)).results);
    expect(fromParquet.run.cache.images).toEqual({ fromCache: 0, computed: 60 });
    expect(fromFolder.run.cache.images).toEqual({ fromCache: 60, computed: 0 });
    expect(fromParquet.errors).toEqual([]);
    expect(fromParquet.items.map((i) => i.id)).toEqual(rows.map((_, row) => `${SHARD}#${row}`));
    expect(fromParquet.promptSets).toEqual(fromFolder.promptSets);
    const predictions = (r: typeof fromParquet) => r.items.map((i) => [i.label, i.predictions]);
    expect(predictions(fromParquet)).toEqual(predictions(fromFolder));
  });
});

describe('Parquet datasets: layout, ids and streaming', () => {
  let repo: string;
  beforeAll(() => {
    repo = hfRepo({ [SHARD]: hfParquet(SIX, { rowGroupSize: 4 }) });
  });

  it('reads items, ids and class names from the card; each cell is the image bytes', async () => {
    const d = await load('data', repo);
    expect(d).toMatchObject({ format: 'parquet', name: path.basename(repo), root: path.join(repo, 'data'), classNames: NAMES });
    expect(d.items.map((i) => [i.id, i.label])).toEqual(SIX.map((r, row) => [`${SHARD}#${row}`, r.label]));
    expect(d.items[5]!.source).toEqual(cell(path.join(repo, 'data', SHARD), 5));
    for (const [row, r] of SIX.entries()) expect(await readParquetCell(cell(path.join(repo, 'data', SHARD), row))).toEqual(r.image!.bytes);
  });

  it('reads only footers and labels at load time: a damaged image page fails its rows, not the load', async () => {
    const bytes = hfParquet(SIX, { rowGroupSize: 4, codec: 'UNCOMPRESSED' });
    const chunk = parquetMetadata(bytes).row_groups[1]!.columns.find(
      (c) => c.meta_data?.path_in_schema.join('.') === 'image.bytes',
    )!.meta_data!;
    const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    bytes.fill(0xff, start, start + Number(chunk.total_compressed_size));
    const damaged = hfRepo({ [SHARD]: bytes });
    const file = path.join(damaged, 'data', SHARD);
    expect((await load(file, damaged)).items).toHaveLength(6);
    expect(await readParquetCell(cell(file, 3))).toEqual(SIX[3]!.image!.bytes);
    expect(await inputError(readParquetCell(cell(file, 4)))).toContain(`${file}#row 4: cannot decode column "image" of rows 4 to 5`);
  });

  it('reads a file rewritten since its footer was cached', async () => {
    const dir = tempDir('rewrite-');
    const file = path.join(dir, 'x.parquet');
    writeFileSync(file, hfParquet(SIX.slice(0, 2)));
    expect(await readParquetCell(cell(file, 1))).toEqual(SIX[1]!.image!.bytes);
    writeFileSync(file, hfParquet(SIX.slice(3)));
    expect(await readParquetCell(cell(file, 1))).toEqual(SIX[4]!.image!.bytes);
  });

  it.each(['UNCOMPRESSED', 'SNAPPY', 'GZIP'] as const)('reads %s pages', async (codec) => {
    const dir = writeTree(tempDir('codec-'), { 'x.parquet': hfParquet(SIX, { codec, rowGroupSize: 4 }), 'README.md': datasetCard(NAMES) });
    const d = await load('x.parquet', dir);
    const read = await Promise.all(d.items.map((i) => readParquetCell(i.source as Extract<PackedImage, { kind: 'parquet' }>)));
    expect(read).toEqual(SIX.map((r) => r.image!.bytes));
  });

  it('reads zstd pages, with class names from the "huggingface" metadata datasets embeds', async () => {
    const file = path.join(ROOT, 'test/fixtures/parquet-zstd/test.parquet');
    const d = await load(file, ROOT);
    expect(d.classNames).toEqual(['Bag', 'Coat']);
    expect(d.items.map((i) => i.label)).toEqual([0, 1, 0]);
    expect(await readParquetCell(cell(file, 1))).toEqual(demoImage('coat/0006.png'));
  });

  it('falls back to the path when a row has no bytes', async () => {
    const rows: HfRow[] = [
      { image: { bytes: null, path: 'pics/a.png' }, label: 0 },
      { image: { bytes: null, path: 'pics/missing.png' }, label: 0 },
      { image: { bytes: null, path: null }, label: 0 },
      { image: null, label: 0 },
    ];
    const dir = writeTree(tempDir('paths-'), { 'x.parquet': hfParquet(rows), 'pics/a.png': SIX[0]!.image!.bytes! });
    const file = path.join(dir, 'x.parquet');
    expect(await readParquetCell(cell(file, 0))).toEqual(SIX[0]!.image!.bytes);
    expect(await inputError(readParquetCell(cell(file, 1)))).toBe(
      `${file}#row 1: column "image" has no image bytes in this row and its path ${path.join(dir, 'pics/missing.png')} cannot be read (ENOENT)`,
    );
    for (const row of [2, 3]) {
      expect(await inputError(readParquetCell(cell(file, row)))).toBe(
        `${file}#row ${row}: column "image" has neither image bytes nor a path in this row`,
      );
    }
  });
});

describe('Parquet spec forms and splits', () => {
  const shard = (from: number, to: number) => hfParquet(SIX.slice(from, to));
  let repo: string;
  beforeAll(() => {
    repo = hfRepo({
      'test-00000-of-00002.parquet': shard(0, 2),
      'test-00001-of-00002.parquet': shard(2, 4),
      'train-00000-of-00001.parquet': shard(4, 6),
    });
  });
  const idsOf = (d: ClassificationDataset) => d.items.map((i) => i.id);
  const TEST_IDS = [
    'test-00000-of-00002.parquet#0',
    'test-00000-of-00002.parquet#1',
    'test-00001-of-00002.parquet#0',
    'test-00001-of-00002.parquet#1',
  ];

  it('a folder of split-named files reads the test split unless --split names another', async () => {
    expect(idsOf(await load('data', repo))).toEqual(TEST_IDS);
    expect(idsOf(await load('data', repo, { split: 'train' }))).toEqual([
      'train-00000-of-00001.parquet#0',
      'train-00000-of-00001.parquet#1',
    ]);
    const message = await inputError(load('data', repo, { split: 'validation' }));
    expect(message).toContain(
      `no "validation" split in ${path.join(repo, 'data')}: its Parquet files hold "test", "train"; ask for one (--split test)`,
    );
  });

  it('a folder without split words in its file names is read whole; a glob reads what it matches', async () => {
    const plain = hfRepo({ '0000.parquet': shard(0, 1), '0001.parquet': shard(1, 3) });
    expect(idsOf(await load('data', plain))).toEqual(['0000.parquet#0', '0001.parquet#0', '0001.parquet#1']);
    const globbed = await load('data/test-*.parquet', repo);
    expect(idsOf(globbed)).toEqual(TEST_IDS);
    expect(globbed).toMatchObject({ root: path.join(repo, 'data'), name: path.basename(repo), classNames: NAMES });
    expect(idsOf(await load(path.join(repo, 'data/*-0000[0]-*.parquet'), '/'))).toEqual([
      ...TEST_IDS.slice(0, 2),
      'train-00000-of-00001.parquet#0',
      'train-00000-of-00001.parquet#1',
    ]);
    expect(await inputError(load('data/val-*.parquet', repo))).toBe(
      `no file matches data/val-*.parquet (looked in ${path.join(repo, 'data')} for val-*.parquet); check the pattern, or give the folder or a file`,
    );
  });

  it('a descriptor names a file, folder or glob, with optional class names', async () => {
    const names = ['b', 'c', 'd'];
    writeFileSync(path.join(repo, 'pq.json'), JSON.stringify({ format: 'parquet', path: 'data/test-*.parquet', classnames: names }));
    const d = await loadAnyDataset(path.join(repo, 'pq.json'), { cwd: '/', datasetsDir: DATASETS_DIR });
    expect(d).toMatchObject({ name: 'pq', format: 'parquet', classNames: names });
    writeFileSync(path.join(repo, 'gone.json'), JSON.stringify({ format: 'parquet', path: 'nowhere/*.parquet', install: 'fetch it' }));
    expect(await inputError(loadAnyDataset(path.join(repo, 'gone.json'), { cwd: '/', datasetsDir: DATASETS_DIR }))).toContain(
      `dataset "gone" is not installed: ${path.join(repo, 'nowhere')} does not exist`,
    );
  });
});

describe('Parquet class names', () => {
  it('the card beside the files or one folder up, as a map or a list; --classnames wins', async () => {
    const beside = writeTree(tempDir('card-'), {
      'data/x.parquet': hfParquet(SIX),
      'data/README.md': datasetCard(['x', 'y', 'z'], 'list'),
    });
    expect((await load('data', beside)).classNames).toEqual(['x', 'y', 'z']);
    const repo = hfRepo({ 'x.parquet': hfParquet(SIX) });
    writeFileSync(path.join(repo, 'names.txt'), 'one\ntwo\nthree\n');
    expect((await load('data', repo, { classnames: 'names.txt' })).classNames).toEqual(['one', 'two', 'three']);
  });

  it('picks the config named after the folder from a card with several', async () => {
    const card = [
      '---',
      'dataset_info:',
      ...['a', 'b'].flatMap((c) => [
        `- config_name: ${c}`,
        '  features:',
        '  - name: label',
        '    dtype:',
        '      class_label:',
        `        names: [${c}0, ${c}1, ${c}2]`,
      ]),
      '---',
      '',
    ];
    const repo = writeTree(tempDir('configs-'), { 'README.md': card.join('\n'), 'b/test.parquet': hfParquet(SIX) });
    expect((await load('b', repo)).classNames).toEqual(['b0', 'b1', 'b2']);
  });

  it('says where it looked when there are none, and names a bad card', async () => {
    const repo = hfRepo({ [SHARD]: hfParquet(SIX) }, null);
    const data = path.join(repo, 'data');
    expect(await inputError(load('data', repo))).toBe(
      `no class names for the "label" column: looked in ${path.join(data, 'README.md')} (missing), ${path.join(repo, 'README.md')} (missing), ` +
        `the "huggingface" metadata of ${path.join(data, SHARD)} (none for "label"); ` +
        'pass --classnames <file> (one name per line, in label order) or add class_label names to the dataset card',
    );
    writeFileSync(path.join(repo, 'README.md'), '---\ndataset_info: [\n---\n');
    expect(await inputError(load('data', repo))).toContain(`${path.join(repo, 'README.md')}: cannot parse its YAML front matter`);
  });
});

describe('Parquet bad input', () => {
  async function errorFor(bytes: Uint8Array, card = datasetCard(NAMES)): Promise<{ message: string; file: string }> {
    const dir = writeTree(tempDir('bad-'), { 'x.parquet': bytes, 'README.md': card });
    return { message: await inputError(load('x.parquet', dir)), file: path.join(dir, 'x.parquet') };
  }
  const labelled = (label: number | null): HfRow[] => [...SIX.slice(0, 3), { image: SIX[3]!.image, label }];

  it('a file without an image column lists the columns it has', async () => {
    const { message, file } = await errorFor(
      table([
        { name: 'img', data: [SIX[0]!.image!.bytes], type: 'BYTE_ARRAY' },
        { name: 'label', data: [0], type: 'INT32' },
      ]),
    );
    expect(message).toBe(
      `${file}: no "image" column (Hugging Face's Image feature, a struct of bytes and path); the file has 2 columns: img, label`,
    );
  });

  it('a label out of range, -1 or null names the file and row', async () => {
    const out = await errorFor(hfParquet(labelled(3)));
    expect(out.message).toMatch(
      `${out.file}: row 3: label 3 has no class name; ${path.dirname(out.file)}/README.md: dataset_info.features[label].dtype.class_label.names lists 3 names (labels 0 to 2)`,
    );
    expect((await errorFor(hfParquet(labelled(-1)))).message).toContain('row 3: label -1 has no class name (-1 marks an unlabelled row');
    expect((await errorFor(hfParquet(labelled(null)))).message).toContain('row 3: no label (null)');
  });

  it('a file that is not Parquet, or is truncated', async () => {
    const text = await errorFor(new TextEncoder().encode('image,label\na.png,0\n'));
    expect(text.message).toBe(`${text.file} is not a Parquet file (it does not begin and end with "PAR1"); give .parquet files only`);
    const dir = writeTree(tempDir('cut-'), { 'x.parquet': hfParquet(SIX), 'README.md': datasetCard(NAMES) });
    truncateSync(path.join(dir, 'x.parquet'), 2000);
    expect(await inputError(load('x.parquet', dir))).toContain('starts or ends like Parquet but not both, so it is truncated or damaged');
  });

  it('captions without labels are not supported yet; a missing label column lists the columns', async () => {
    const image: ColumnSource = { name: 'image', data: [SIX[0]!.image!.bytes], type: 'BYTE_ARRAY' };
    const captioned = await errorFor(table([image, { name: 'caption', data: ['a bag'], type: 'STRING' }]));
    expect(captioned.message).toContain(
      'images with captions (column "caption") and no "label" column: retrieval from Parquet files is not supported yet',
    );
    const unlabelled = await errorFor(table([image, { name: 'id', data: [1], type: 'INT32' }]));
    expect(unlabelled.message).toBe(`${unlabelled.file}: no "label" column of class indices; the file has columns: image, id`);
  });
});
