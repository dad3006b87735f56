import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { loadAnyDataset, selectRetrievalSubset } from '../src/datasets/index.js';
import type { RetrievalDataset } from '../src/datasets/types.js';
import { retrievalRanks } from '../src/metrics/index.js';
import { loadClipModel } from '../src/model/clipModel.js';
import { decodeImage } from '../src/model/decode.js';
import { preprocessImage } from '../src/model/preprocess.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import { benchRun } from '../src/run/benchRun.js';
import { GOLDEN_IMAGES, ROOT, TINY_MODEL, bench, runDirs, tempDir } from './helpers.js';

const IMAGES = ['china.jpg', 'flower.jpg', 'grace_hopper.jpg', 'tall-strip.png', 'odd-crop-641x430.png'];
const opts = (extra: Record<string, string> = {}) => ({ cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets'), ...extra });

/** A COCO caption file beside an images/ folder holding (links to) the reference photos. */
function cocoSet(overrides: (json: { images: object[]; annotations: object[] }) => void = () => {}): string {
  const dir = tempDir('coco-');
  mkdirSync(path.join(dir, 'images'));
  for (const f of IMAGES) symlinkSync(path.join(GOLDEN_IMAGES, f), path.join(dir, 'images', f));
  const json = {
    images: IMAGES.map((f, i) => ({ id: 100 + i, file_name: f })),
    annotations: IMAGES.flatMap((f, i) => Array.from({ length: 1 + (i % 3) }, (_, j) => ({ id: i * 10 + j, image_id: 100 + i, caption: `photo ${j} of ${f}` }))),
  };
  overrides(json);
  const file = path.join(dir, 'captions_val.json');
  writeFileSync(file, JSON.stringify(json, null, 1));
  return file;
}

async function loadRetrieval(spec: string, extra: Record<string, string> = {}): Promise<RetrievalDataset> {
  const dataset = await loadAnyDataset(spec, opts(extra));
  if (dataset.task !== 'retrieval') throw new Error('expected a retrieval dataset');
  return dataset;
}

describe('caption loaders', () => {
  it('reads COCO captions with images/ beside the file', async () => {
    const file = cocoSet();
    const d = await loadRetrieval(file);
    expect(d.format).toBe('coco');
    expect(d.images.map((i) => i.id)).toEqual(IMAGES);
    expect(d.captions).toHaveLength(1 + 2 + 3 + 1 + 2);
    expect(d.captions[1]).toEqual({ text: 'photo 0 of flower.jpg', image: 1 });
    expect(d.imagesDir).toBe(path.join(path.dirname(file), 'images'));
    expect(d.images[0]!.source).toEqual({ kind: 'file', path: path.join(path.dirname(file), 'images', 'china.jpg') });
  });

  it.each([
    ['a caption whose image id does not exist', (j: { annotations: object[] }) => j.annotations.push({ id: 999, image_id: 7, caption: 'ghost' }), /annotations\[9\]: image_id 7 is not in "images"/],
    ['an image without captions', (j: { images: object[] }) => j.images.push({ id: 555, file_name: 'lonely.jpg' }), /images\[5\]: image "lonely.jpg" has no captions/],
    ['duplicate image ids', (j: { images: object[] }) => j.images.push({ id: 100, file_name: 'again.jpg' }), /images\[5\]: duplicate image id 100/],
    ['duplicate annotation ids', (j: { annotations: object[] }) => j.annotations.push({ id: 0, image_id: 100, caption: 'x' }), /annotations\[9\]: duplicate annotation id 0/],
    ['a missing caption field', (j: { annotations: object[] }) => j.annotations.push({ id: 77, image_id: 100 }), /annotations\[9\]: missing "caption"/],
  ])('names the entry for %s', async (_, mutate, message) => {
    await expect(loadAnyDataset(cocoSet(mutate as never), opts())).rejects.toThrow(message);
  });

  it('names line and column of malformed JSON', async () => {
    const file = path.join(tempDir(), 'captions.json');
    writeFileSync(file, '{\n  "images": [],\n  "annotations": [,]\n}');
    await expect(loadAnyDataset(file, opts())).rejects.toThrow(new RegExp(`${file}:3:\\d+: malformed JSON`));
  });

  it('reads a Karpathy split file, keeping one split and joining filepath', async () => {
    const dir = tempDir('karpathy-');
    mkdirSync(path.join(dir, 'val2014'), { recursive: true });
    symlinkSync(path.join(GOLDEN_IMAGES, 'china.jpg'), path.join(dir, 'val2014', 'a.jpg'));
    const file = path.join(dir, 'dataset_coco.json');
    writeFileSync(file, JSON.stringify({ images: [
      { filepath: 'val2014', filename: 'a.jpg', split: 'test', sentences: [{ raw: 'A temple. ' }, { raw: 'A roof.' }] },
      { filepath: 'val2014', filename: 'b.jpg', split: 'train', sentences: [{ raw: 'Other.' }] },
    ] }));
    const d = await loadRetrieval(file);
    expect(d.format).toBe('karpathy');
    expect(d.images.map((i) => i.id)).toEqual(['val2014/a.jpg']);
    expect(d.captions.map((c) => c.text)).toEqual(['A temple.', 'A roof.']);
    expect((await loadRetrieval(file, { split: 'train' })).images.map((i) => i.id)).toEqual(['val2014/b.jpg']);
    await expect(loadAnyDataset(file, opts({ split: 'val' }))).rejects.toThrow(/no images in split "val" \(the file has: test, train\)/);
  });

  it('reads caption pairs from CSV, TSV and JSONL, grouping rows by image', async () => {
    const dir = tempDir('pairs-');
    for (const f of ['china.jpg', 'flower.jpg']) symlinkSync(path.join(GOLDEN_IMAGES, f), path.join(dir, f));
    writeFileSync(path.join(dir, 'p.csv'), 'image,caption\nchina.jpg,"a temple, red"\nflower.jpg,a flower\nchina.jpg,a roof\n');
    writeFileSync(path.join(dir, 'p.tsv'), 'path\tcaption\nchina.jpg\ta temple\n');
    writeFileSync(path.join(dir, 'p.jsonl'), '{"image": "flower.jpg", "caption": "a flower"}\n\n{"image": "china.jpg", "caption": "a temple"}\n');
    const csv = await loadRetrieval(path.join(dir, 'p.csv'));
    expect(csv.images.map((i) => i.id)).toEqual(['china.jpg', 'flower.jpg']);
    expect(csv.captions).toEqual([{ text: 'a temple, red', image: 0 }, { text: 'a roof', image: 0 }, { text: 'a flower', image: 1 }]);
    expect((await loadRetrieval(path.join(dir, 'p.tsv'))).captions).toHaveLength(1);
    expect((await loadRetrieval(path.join(dir, 'p.jsonl'))).images.map((i) => i.id)).toEqual(['flower.jpg', 'china.jpg']);
    writeFileSync(path.join(dir, 'bad.jsonl'), '{"image": "a.jpg", "caption": "ok"}\n{"image": "b.jpg"}\n');
    await expect(loadAnyDataset(path.join(dir, 'bad.jsonl'), opts())).rejects.toThrow(/bad\.jsonl:2: missing "caption"/);
    writeFileSync(path.join(dir, 'empty.csv'), 'image,caption\nchina.jpg,\n');
    await expect(loadAnyDataset(path.join(dir, 'empty.csv'), opts())).rejects.toThrow(/empty\.csv:2: column "caption": empty/);
  });

  it('subsets take whole images with all their captions, deterministically', async () => {
    const d = await loadRetrieval(cocoSet());
    const a = selectRetrievalSubset(d, { limit: 3, seed: 4 });
    expect(a.images).toHaveLength(3);
    expect(selectRetrievalSubset(d, { limit: 3, seed: 4 })).toEqual(a);
    for (const img of a.images) {
      const original = d.images.findIndex((i) => i.id === img.id);
      const expected = d.captions.filter((c) => c.image === original).map((c) => c.text);
      expect(a.captions.filter((c) => a.images[c.image] === img).map((c) => c.text)).toEqual(expected);
    }
  });
});

describe('bench run on a captioned set', () => {
  it('reports recall@k both ways and per-query ranks equal to a direct computation', async () => {
    const file = cocoSet();
    const config = resolveRunConfig(ROOT, { model: TINY_MODEL, dataset: file, out: tempDir(), cacheDir: tempDir(), threads: 2, recallK: [1, 2, 5] });
    const { results } = (await benchRun(config, [], ROOT)) as { results: RetrievalResults };
    expect(results.task).toBe('retrieval');
    expect(Object.keys(results.promptSets[0]!.metrics).sort()).toEqual(
      ['image_retrieval_recall@1', 'image_retrieval_recall@2', 'image_retrieval_recall@5', 'text_retrieval_recall@1', 'text_retrieval_recall@2', 'text_retrieval_recall@5'],
    );
    const model = await loadClipModel({ model: TINY_MODEL, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    const d = await loadRetrieval(file);
    const images = await model.embedImages(await Promise.all(d.images.map(async (i) => preprocessImage(await decodeImage((i.source as { path: string }).path), model.preprocess))));
    const texts = await model.embedTexts((await model.tokenizer()).tokenize(d.captions.map((c) => c.text)));
    const direct = retrievalRanks({ imageEmbeddings: images, textEmbeddings: texts, captionImageIndex: d.captions.map((c) => c.image), ks: [1] });
    expect(results.promptSets[0]!.ranks).toEqual(direct);
    const hits = direct.imageRankPerCaption.filter((r) => r < 2).length / d.captions.length;
    expect(results.promptSets[0]!.metrics['image_retrieval_recall@2']).toBeCloseTo(hits, 12);
    await model.dispose();
  });

  it('lists a missing image file under errors and leaves its captions out', async () => {
    const file = cocoSet((j) => {
      j.images.push({ id: 900, file_name: 'missing.jpg' });
      j.annotations.push({ id: 900, image_id: 900, caption: 'nothing here' });
    });
    const out = tempDir();
    const r = bench(['run', '--dataset', file, '--model', TINY_MODEL, '--out', out, '--cache-dir', tempDir(), '--task', 'retrieval']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('5 images, 9 captions');
    expect(r.stdout).toContain('1 item(s) could not be read');
    const results = JSON.parse(readFileSync(path.join(out, runDirs(out)[0]!, 'results.json'), 'utf8')) as RetrievalResults;
    expect(results.errors[0]!.item).toBe('missing.jpg');
    expect(results.captions.some((c) => c.text === 'nothing here')).toBe(false);
  });

  it('wraps captions with a prompt file and rejects {{label}} templates and --task mismatches', () => {
    const file = cocoSet();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'wrap.hbs'), 'a photo of {{caption}}\n');
    const wrapped = bench(['run', '--dataset', file, '--prompts', path.join(dir, 'wrap.hbs'), '--model', TINY_MODEL, '--out', tempDir(), '--cache-dir', tempDir()]);
    expect(wrapped.status, wrapped.stderr).toBe(0);
    expect(wrapped.stdout).toMatch(/^wrap\s+\d/m);
    const label = bench(['run', '--dataset', file, '--prompts', 'prompts/basic.hbs', '--model', TINY_MODEL]);
    expect(label.status).toBe(2);
    expect(label.stderr).toContain('{{label}} needs a classification dataset');
    const task = bench(['run', '--dataset', file, '--task', 'classification', '--model', TINY_MODEL]);
    expect(task.status).toBe(2);
    expect(task.stderr).toContain('is a retrieval dataset');
  });
});
