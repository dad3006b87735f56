import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tarStream from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { InputError, loadAnyDataset, loadDataset, type ClassificationDataset } from '../src/datasets/index.js';
import { loadClipBenchmarkTemplates, PromptError, renderClassPrompts } from '../src/prompts/index.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { bench, classificationResults, DEMO_DATASET, ROOT, TINY_MODEL, tempDir } from './helpers.js';

const WDS = path.join(ROOT, 'datasets/fashion-mnist-1k-wds');
const BASIC = path.join(ROOT, 'prompts/basic.hbs');
const CLASSES = ['Ankle boot', 'Bag', 'Coat', 'Dress', 'Pullover', 'Sandal', 'Shirt', 'Sneaker', 'T-shirt/top', 'Trouser'];

/** Demo PNGs by class folder: real images, so runs can decode them. */
function demoPng(folder: string, index: number): Buffer {
  const names = readdirSync(path.join(DEMO_DATASET, folder)).sort();
  return readFileSync(path.join(DEMO_DATASET, folder, names[index]!));
}

interface Sample {
  readonly key: string;
  /** Extension → content, written in this order. */
  readonly files: Readonly<Record<string, string | Buffer>>;
}

/** Writes a shard with tar-stream (the reader under test did not write it). */
async function writeShard(file: string, samples: readonly Sample[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const sample of samples) {
    for (const [ext, content] of Object.entries(sample.files)) {
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      await new Promise<void>((resolve, reject) =>
        pack.entry({ name: `${sample.key}.${ext}`, size: data.length }, data, (err) => (err ? reject(err) : resolve())),
      );
    }
  }
  pack.finalize();
  await done;
  const bytes = Buffer.concat(chunks);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return bytes;
}

/** `n` labelled samples `k0`… with demo images: labels cycle over the first two classes. */
function labelled(n: number, first = 0): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${first + i}`,
    files: { cls: String(i % 2), png: demoPng(i % 2 === 0 ? 'ankle_boot' : 'bag', i) },
  }));
}

/** A shard folder with classnames.txt (two classes unless `names` says otherwise). */
async function shardFolder(
  shards: Readonly<Record<string, readonly Sample[]>>,
  names: string | null = 'Ankle boot\nBag\n',
): Promise<string> {
  const dir = tempDir('wds-');
  for (const [name, samples] of Object.entries(shards)) await writeShard(path.join(dir, name), samples);
  if (names !== null) writeFileSync(path.join(dir, 'classnames.txt'), names);
  return dir;
}

const load = (spec: string, options: { cwd?: string; classnames?: string; split?: string } = {}) =>
  loadDataset(spec, { cwd: options.cwd ?? ROOT, datasetsDir: path.join(ROOT, 'datasets'), ...options });

async function inputError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

function config(dataset: string, cacheDir = tempDir('cache-')) {
  return resolveRunConfig(ROOT, { model: TINY_MODEL, dataset, out: tempDir('reports-'), cacheDir, threads: 2, batchSize: 16 });
}

describe('the bundled shards and the folder they were made from', () => {
  let folder: Results;
  let shards: Results;
  let warm: Results;
  beforeAll(async () => {
    const folderCache = tempDir('cache-');
    folder = classificationResults((await benchRun(config(DEMO_DATASET, folderCache), [BASIC], ROOT)).results);
    shards = classificationResults((await benchRun(config(WDS), [BASIC], ROOT)).results);
    // The same bytes hash alike wherever they are stored: the shards find the folder's embeddings.
    warm = classificationResults((await benchRun(config(WDS, folderCache), [BASIC], ROOT)).results);
  }, 180_000);

  it('read as the same 1,000 labelled images, in the same order', async () => {
    const a = await load(DEMO_DATASET);
    const b = await load(WDS);
    expect(b).toMatchObject({ format: 'webdataset', name: 'fashion-mnist-1k-wds', root: WDS, classNames: a.classNames });
    expect(b.templatesFile).toBe(path.join(WDS, 'zeroshot_classification_templates.txt'));
    expect(b.items.map((i) => [i.id.split('/')[1], i.label])).toEqual(a.items.map((i) => [path.basename(i.id, '.png'), i.label]));
    expect(b.items[0]).toMatchObject({
      id: '000000.tar/0000',
      source: { kind: 'tar', container: path.join(WDS, '000000.tar'), member: '0000.png' },
    });
    expect(b.items[500]!.id).toMatch(/^000001\.tar\//);
  });

  it('give identical metrics and predictions', () => {
    expect(shards.errors).toEqual([]);
    expect(shards.run.dataset).toMatchObject({ format: 'webdataset', itemCount: 1000, classNames: CLASSES });
    expect(shards.promptSets).toEqual(folder.promptSets);
    const key = (id: string) => path.basename(id).replace(/\.png$/, '');
    expect(shards.items.map((i) => ({ ...i, id: key(i.id) }))).toEqual(folder.items.map((i) => ({ ...i, id: key(i.id) })));
  });

  it('share cache entries: the shards run on the folder run cache embeds no image', () => {
    expect(shards.run.cache.images).toEqual({ fromCache: 0, computed: 1000 });
    expect(warm.run.cache.images).toEqual({ fromCache: 1000, computed: 0 });
    expect(warm.promptSets).toEqual(folder.promptSets);
  });
});

describe('spec forms', () => {
  it('reads one .tar, a brace pattern and a folder (shards sorted by name); ids are <shard>/<key>', async () => {
    const dir = await shardFolder({ '000001.tar': labelled(2, 2), '000000.tar': labelled(2) });
    const ids = (d: ClassificationDataset) => d.items.map((i) => i.id);
    expect(ids(await load(dir))).toEqual(['000000.tar/k0', '000000.tar/k1', '000001.tar/k2', '000001.tar/k3']);
    expect(ids(await load('{000000..000001}.tar', { cwd: dir }))).toEqual(ids(await load(dir)));
    expect(ids(await load(path.join(dir, '{000001,000000}.tar')))).toEqual([
      '000001.tar/k2',
      '000001.tar/k3',
      '000000.tar/k0',
      '000000.tar/k1',
    ]);
    const one = await load(path.join(dir, '000001.tar'));
    expect(ids(one)).toEqual(['000001.tar/k2', '000001.tar/k3']);
    expect(one.items.map((i) => i.label)).toEqual([0, 1]);
    // Shards of one name in two folders; class names one folder up, as CLIP_benchmark keeps them.
    const parent = tempDir('wds-splits-');
    await writeShard(path.join(parent, 'a', '000000.tar'), labelled(1));
    await writeShard(path.join(parent, 'b', '000000.tar'), labelled(1, 1));
    writeFileSync(path.join(parent, 'classnames.txt'), 'Ankle boot\nBag\n');
    expect(ids(await load('{a,b}/000000.tar', { cwd: parent }))).toEqual(['a/000000.tar/k0', 'b/000000.tar/k1']);
  });

  it("follows CLIP_benchmark's export layout: <root>/<split>/{0..n-1}.tar (nshards.txt), names and templates in <root>", async () => {
    const root = tempDir('wds_fashion-');
    for (let s = 0; s < 11; s++) await writeShard(path.join(root, 'test', `${s}.tar`), labelled(1, s));
    writeFileSync(path.join(root, 'test', 'nshards.txt'), '11\n');
    writeFileSync(path.join(root, 'classnames.txt'), 'Ankle boot\nBag\n');
    writeFileSync(path.join(root, 'zeroshot_classification_templates.txt'), 'a photo of a {c}.\n');
    const fromRoot = await load(root);
    expect(fromRoot.name).toBe(path.basename(root));
    expect(fromRoot.templatesFile).toBe(path.join(root, 'zeroshot_classification_templates.txt'));
    // nshards.txt gives CLIP_benchmark's order, 0 … 10, where sorting names would put 10 after 1.
    expect(fromRoot.items.map((i) => i.id)).toEqual(Array.from({ length: 11 }, (_, s) => `${s}.tar/k${s}`));
    expect((await load(path.join(root, 'test'))).items).toEqual(fromRoot.items);
    expect(await inputError(load(root, { split: 'train' }))).toBe(
      `${root} looks like a CLIP_benchmark WebDataset export, but has no train/ folder of shards; pick one with --split`,
    );
    writeFileSync(path.join(root, 'test', 'nshards.txt'), '13');
    expect(await inputError(load(root))).toBe(
      `${path.join(root, 'test', 'nshards.txt')} says 13 shards, but 2 are missing: 11.tar, 12.tar`,
    );
  });

  it('takes class names from --classnames (one per line, or a JSON list) when the shards have none', async () => {
    const dir = await shardFolder({ 'a.tar': labelled(2) }, null);
    const names = path.join(tempDir('names-'), 'names.txt');
    writeFileSync(names, '  Boot  \n\nBag\n');
    expect((await load(dir, { classnames: names })).classNames).toEqual(['Boot', 'Bag']);
    writeFileSync(`${names}.json`, '["x", "y"]');
    expect((await load(dir, { classnames: `${names}.json` })).classNames).toEqual(['x', 'y']);
  });

  it('reads a descriptor of format webdataset: path a pattern, classnames a list', async () => {
    const dir = await shardFolder({ '000000.tar': labelled(2), '000001.tar': labelled(1, 2) }, null);
    const file = path.join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ format: 'webdataset', path: '{000000..000001}.tar', classnames: ['Boot', 'Bag'] }));
    const dataset = await load(file);
    expect(dataset).toMatchObject({ name: 'mine', format: 'webdataset', classNames: ['Boot', 'Bag'] });
    expect(dataset.items.map((i) => i.id)).toEqual(['000000.tar/k0', '000000.tar/k1', '000001.tar/k2']);
    writeFileSync(file, JSON.stringify({ format: 'webdataset', path: 'gone/{000..001}.tar', install: 'fetch it' }));
    expect(await inputError(load(file))).toBe(
      `dataset "mine" is not installed: ${path.join(dir, 'gone/000.tar')} does not exist (field "path" of ${file}); get it with: fetch it`,
    );
  });
});

describe("CLIP_benchmark's templates file", () => {
  it("renders each line as Python's template.format(c=name) does: {c} filled, doubled braces single, the rest as written", async () => {
    const file = path.join(tempDir('templates-'), 'zeroshot_classification_templates.txt');
    writeFileSync(file, '  a photo of a {c}.  \r\n\n{{c}} means {c}\na {c}, not {{label}} & <b>{c}</b>\n');
    const set = await loadClipBenchmarkTemplates(file);
    expect(set).toMatchObject({ name: 'zeroshot_classification_templates', file, ensemble: 'embedding' });
    expect(set.templates.map((t) => [t.line, t.source])).toEqual([
      [1, 'a photo of a {c}.'],
      [3, '{{c}} means {c}'],
      [4, 'a {c}, not {{label}} & <b>{c}</b>'],
    ]);
    expect(renderClassPrompts(set, ['T-shirt/top', "it's"])).toEqual([
      ['a photo of a T-shirt/top.', '{c} means T-shirt/top', 'a T-shirt/top, not {label} & <b>T-shirt/top</b>'],
      ["a photo of a it's.", "{c} means it's", "a it's, not {label} & <b>it's</b>"],
    ]);
  });

  it('refuses what Python would refuse, and a line without {c}, naming file and line', async () => {
    const file = path.join(tempDir('templates-'), 't.txt');
    for (const [line, message] of [
      ['a {label} photo', 'unknown field {label} in "a {label} photo"'],
      ['a {} photo of {c}', 'unknown field {} in "a {} photo of {c}"'],
      ['a {c photo', 'a "{" is never closed in "a {c photo"'],
      ['a } {c}', 'a single "}" in "a } {c}"'],
      ['no class here', 'the template never uses {c} (the class name)'],
    ]) {
      writeFileSync(file, `a photo of a {c}.\n${line!}\n`);
      const err = await loadClipBenchmarkTemplates(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PromptError);
      expect((err as Error).message).toContain(`${file}:2: ${message!}`);
    }
  });

  it('is the prompt set of a run without --prompts, and only then', async () => {
    const dir = await shardFolder({ 'a.tar': labelled(4) }, 'T-shirt/top\nBag\n');
    writeFileSync(path.join(dir, 'zeroshot_classification_templates.txt'), 'a photo of a {c}.\n{{c}}: {c}\n');
    const run = classificationResults((await benchRun(config(dir), [], ROOT)).results);
    expect(run.promptSets.map((s) => [s.name, s.templates, s.prompts])).toEqual([
      [
        'zeroshot_classification_templates',
        ['a photo of a {c}.', '{{c}}: {c}'],
        { 'T-shirt/top': ['a photo of a T-shirt/top.', '{c}: T-shirt/top'], Bag: ['a photo of a Bag.', '{c}: Bag'] },
      ],
    ]);
    const given = classificationResults((await benchRun(config(dir), [BASIC], ROOT)).results);
    expect(given.promptSets.map((s) => s.name)).toEqual(['basic']);
    const cli = bench(['run', '--dataset', dir, '--model', TINY_MODEL, '--out', tempDir('reports-'), '--threads', '2']);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('zeroshot_classification_templates');
  });
});

describe('bad shards: each an error naming shard and key', () => {
  it('a shard cut inside an image whose label was read: that image is reported unreadable, the rest is evaluated', async () => {
    const dir = await shardFolder({ 'cut.tar': labelled(3) });
    const shard = path.join(dir, 'cut.tar');
    const bytes = readFileSync(shard);
    const item = (await load(dir)).items[2]!;
    if (item.source.kind !== 'tar') throw new Error('expected a tar item');
    writeFileSync(shard, bytes.subarray(0, item.source.offset + 100));
    const dataset = await load(dir);
    expect(dataset.items.map((i) => i.id)).toEqual(['cut.tar/k0', 'cut.tar/k1', 'cut.tar/k2']);
    const results = classificationResults((await benchRun(config(dir), [BASIC], ROOT)).results);
    expect(results.items.map((i) => i.id)).toEqual(['cut.tar/k0', 'cut.tar/k1']);
    expect(results.errors).toHaveLength(1);
    expect(results.errors[0]!.item).toBe('cut.tar/k2');
    expect(results.errors[0]!.reason).toContain(
      `${shard}#k2.png: the shard ends ${item.source.length - 100} bytes into this member (truncated shard)`,
    );
  });

  it('a shard cut where a label or a header was: a load error saying where the file ends', async () => {
    const dir = await shardFolder({ 'cut.tar': labelled(3) });
    const shard = path.join(dir, 'cut.tar');
    const bytes = readFileSync(shard);
    const k2 = (await load(dir)).items[2]!;
    if (k2.source.kind !== 'tar') throw new Error('expected a tar item');
    const clsHeader = k2.source.offset - 512 - 512 - 512; // k2.cls: header, one data block; then k2.png's header
    writeFileSync(shard, bytes.subarray(0, clsHeader + 200));
    expect(await inputError(load(dir))).toBe(
      `${shard}: sample "k2": the file ends at byte ${clsHeader + 200}, inside this sample, before its label (.cls) could be read: ` +
        'the shard is truncated; re-download or re-write it',
    );
    writeFileSync(shard, bytes.subarray(0, k2.source.offset - 300));
    expect(await inputError(load(dir))).toBe(
      `${shard}: sample "k2": the file ends at byte ${k2.source.offset - 300}, inside this sample, before its image could be read: ` +
        'the shard is truncated; re-download or re-write it',
    );
  });

  it('a sample without an image, without a label, or with captions instead of labels', async () => {
    const noImage = await shardFolder({ 's.tar': [...labelled(1), { key: 'odd', files: { cls: '1', bmp: 'x', json: '{}' } }] });
    expect(await inputError(load(noImage))).toBe(
      `${path.join(noImage, 's.tar')}: sample "odd" has no image (.webp, .png, .jpg, .jpeg); it has .cls, .bmp, .json`,
    );
    const noLabel = await shardFolder({ 's.tar': [...labelled(1), { key: 'nolabel', files: { png: demoPng('bag', 0) } }] });
    expect(await inputError(load(noLabel))).toBe(`${path.join(noLabel, 's.tar')}: sample "nolabel" has no label (.cls); it has .png`);
    const captions = await shardFolder({ 's.tar': [{ key: 'c0', files: { jpg: demoPng('bag', 0), txt: 'a bag\nanother' } }] }, null);
    expect(await inputError(load(captions))).toBe(
      `${path.join(captions, 's.tar')}: sample "c0" has a caption (.txt) and no label (.cls): a captioned WebDataset is a retrieval set, ` +
        'which is not supported yet; WebDataset shards are read as classification data (.cls labels)',
    );
    writeFileSync(path.join(captions, 'dataset_type.txt'), 'retrieval\n');
    expect(await inputError(loadAnyDataset(captions, { cwd: ROOT, datasetsDir: ROOT }))).toContain(
      '"retrieval": retrieval WebDataset sets are not supported yet',
    );
  });

  it('a .cls that is no integer, or out of range of the class names', async () => {
    const text = await shardFolder({ 's.tar': [{ key: 'a/b', files: { cls: 'bag\n', png: demoPng('bag', 0) } }] });
    expect(await inputError(load(text))).toBe(
      `${path.join(text, 's.tar')}: sample "a/b": label "bag" in a/b.cls is not an integer class index`,
    );
    const range = await shardFolder({ 's.tar': [...labelled(2), { key: 'far', files: { cls: ' 12\n', png: demoPng('bag', 0) } }] });
    expect(await inputError(load(range))).toBe(
      `${path.join(range, 's.tar')}: sample "far": label 12 (far.cls) is out of range: ${path.join(range, 'classnames.txt')} lists 2 class names, ` +
        'so labels run from 0 to 1',
    );
  });

  it('a key that comes back apart, and two members of one name', async () => {
    const apart = await shardFolder({ 's.tar': [...labelled(2), { key: 'k0', files: { txt: 'late' } }] });
    expect(await inputError(load(apart))).toContain(`${path.join(apart, 's.tar')}: sample "k0" appears twice, apart (member k0.txt`);
    const twice = await shardFolder({
      's.tar': [
        { key: 'd', files: { cls: '0', png: demoPng('bag', 0) } },
        { key: 'd', files: { png: demoPng('bag', 1) } },
      ],
    });
    expect(await inputError(load(twice))).toBe(`${path.join(twice, 's.tar')}: sample "d" has two .png members; keep one`);
  });

  it('patterns and folders that match no shard, compressed shards, missing class names', async () => {
    const dir = await shardFolder({ '000000.tar': labelled(1) });
    expect(await inputError(load('{000005..000006}.tar', { cwd: dir }))).toBe(
      `shard pattern ${path.join(dir, '{000005..000006}.tar')} matches no shard: none of its 2 names exist (first: ${path.join(dir, '000005.tar')})`,
    );
    expect(await inputError(load('{000000..000002}.tar', { cwd: dir }))).toBe(
      `shard pattern ${path.join(dir, '{000000..000002}.tar')}: 2 of its 3 shards do not exist: ${path.join(dir, '000001.tar')}, ${path.join(dir, '000002.tar')}`,
    );
    const gz = path.join(dir, 'x.tar.gz');
    writeFileSync(gz, 'whatever');
    expect(await inputError(load(gz))).toContain(`${gz} is gzip-compressed: WebDataset shards are read here as plain .tar`);
    const onlyGz = tempDir('wds-gz-');
    writeFileSync(path.join(onlyGz, '000000.tgz'), 'whatever');
    expect(await inputError(load(onlyGz))).toContain('decompress it first (gunzip -k');
    const exportRoot = tempDir('wds-root-');
    writeFileSync(path.join(exportRoot, 'zeroshot_classification_templates.txt'), 'a {c}\n');
    expect(await inputError(load(exportRoot))).toContain('has no test/ folder of shards');
    const unnamed = await shardFolder({ 's.tar': labelled(1) }, null);
    expect(await inputError(load(unnamed))).toBe(
      `no class names for the WebDataset shards ${unnamed}: put classnames.txt (one name per line, in label order) in ${unnamed}, ` +
        'or pass --classnames <file>',
    );
  });
});
