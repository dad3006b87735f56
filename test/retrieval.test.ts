import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { loadAnyDataset, selectRetrievalSubset } from '../src/datasets/index.js';
import { blankCaptionsWarning, isBlankCaption } from '../src/datasets/captions.js';
import type { RetrievalDataset } from '../src/datasets/types.js';
import { retrievalRanks } from '../src/metrics/index.js';
import { loadClipModel } from '../src/model/clipModel.js';
import { decodeImage } from '../src/model/decode.js';
import { preprocessImage } from '../src/model/preprocess.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import { benchRun } from '../src/run/benchRun.js';
import { GOLDEN_IMAGES, REFERENCE, ROOT, TINY_MODEL, bench, runDirs, tempDir, type CliResult } from './helpers.js';

const IMAGES = ['china.jpg', 'flower.jpg', 'grace_hopper.jpg', 'tall-strip.png', 'odd-crop-641x430.png'];
const opts = (extra: Record<string, string> = {}) => ({ cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets'), ...extra });

/** A COCO caption file beside an images/ folder holding (links to) the reference photos. */
function cocoSet(overrides: (json: { images: object[]; annotations: object[] }) => void = () => {}): string {
  const dir = tempDir('coco-');
  mkdirSync(path.join(dir, 'images'));
  for (const f of IMAGES) symlinkSync(path.join(GOLDEN_IMAGES, f), path.join(dir, 'images', f));
  const json = {
    images: IMAGES.map((f, i) => ({ id: 100 + i, file_name: f })),
    annotations: IMAGES.flatMap((f, i) =>
      Array.from({ length: 1 + (i % 3) }, (_, j) => ({ id: i * 10 + j, image_id: 100 + i, caption: `photo ${j} of ${f}` })),
    ),
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
    [
      'a caption whose image id does not exist',
      (j: { annotations: object[] }) => j.annotations.push({ id: 999, image_id: 7, caption: 'ghost' }),
      /annotations\[9\]: image_id 7 is not in "images"/,
    ],
    [
      'an image without captions',
      (j: { images: object[] }) => j.images.push({ id: 555, file_name: 'lonely.jpg' }),
      /images\[5\]: image "lonely.jpg" has no captions/,
    ],
    [
      'duplicate image ids',
      (j: { images: object[] }) => j.images.push({ id: 100, file_name: 'again.jpg' }),
      /images\[5\]: duplicate image id 100/,
    ],
    [
      'duplicate annotation ids',
      (j: { annotations: object[] }) => j.annotations.push({ id: 0, image_id: 100, caption: 'x' }),
      /annotations\[9\]: duplicate annotation id 0/,
    ],
    [
      'a missing caption field',
      (j: { annotations: object[] }) => j.annotations.push({ id: 77, image_id: 100 }),
      /annotations\[9\]: missing "caption"/,
    ],
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
    writeFileSync(
      file,
      JSON.stringify({
        images: [
          { filepath: 'val2014', filename: 'a.jpg', split: 'test', sentences: [{ raw: 'A temple. ' }, { raw: 'A roof.' }] },
          { filepath: 'val2014', filename: 'b.jpg', split: 'train', sentences: [{ raw: 'Other.' }] },
        ],
      }),
    );
    const d = await loadRetrieval(file);
    expect(d.format).toBe('karpathy');
    expect(d.images.map((i) => i.id)).toEqual(['val2014/a.jpg']);
    // Kept as given: the tokenizer cleans whitespace the way the reference does.
    expect(d.captions.map((c) => c.text)).toEqual(['A temple. ', 'A roof.']);
    expect((await loadRetrieval(file, { split: 'train' })).images.map((i) => i.id)).toEqual(['val2014/b.jpg']);
    await expect(loadAnyDataset(file, opts({ split: 'val' }))).rejects.toThrow(/no images in split "val" \(the file has: test, train\)/);
  });

  it('reads caption pairs from CSV, TSV and JSONL, grouping rows by image', async () => {
    const dir = tempDir('pairs-');
    for (const f of ['china.jpg', 'flower.jpg']) symlinkSync(path.join(GOLDEN_IMAGES, f), path.join(dir, f));
    writeFileSync(path.join(dir, 'p.csv'), 'image,caption\nchina.jpg,"a temple, red"\nflower.jpg,a flower\nchina.jpg,a roof\n');
    writeFileSync(path.join(dir, 'p.tsv'), 'path\tcaption\nchina.jpg\ta temple\n');
    writeFileSync(
      path.join(dir, 'p.jsonl'),
      '{"image": "flower.jpg", "caption": "a flower"}\n\n{"image": "china.jpg", "caption": "a temple"}\n',
    );
    const csv = await loadRetrieval(path.join(dir, 'p.csv'));
    expect(csv.images.map((i) => i.id)).toEqual(['china.jpg', 'flower.jpg']);
    expect(csv.captions).toEqual([
      { text: 'a temple, red', image: 0 },
      { text: 'a roof', image: 0 },
      { text: 'a flower', image: 1 },
    ]);
    expect((await loadRetrieval(path.join(dir, 'p.tsv'))).captions).toHaveLength(1);
    expect((await loadRetrieval(path.join(dir, 'p.jsonl'))).images.map((i) => i.id)).toEqual(['flower.jpg', 'china.jpg']);
    writeFileSync(path.join(dir, 'bad.jsonl'), '{"image": "a.jpg", "caption": "ok"}\n{"image": "b.jpg"}\n');
    await expect(loadAnyDataset(path.join(dir, 'bad.jsonl'), opts())).rejects.toThrow(/bad\.jsonl:2: missing "caption"/);
    writeFileSync(path.join(dir, 'empty.csv'), 'image,caption\n,a caption\n');
    await expect(loadAnyDataset(path.join(dir, 'empty.csv'), opts())).rejects.toThrow(/empty\.csv:2: column "image": empty/);
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
    const config = resolveRunConfig(ROOT, {
      model: TINY_MODEL,
      dataset: file,
      out: tempDir(),
      cacheDir: tempDir(),
      threads: 2,
      recallK: [1, 2, 5],
    });
    const { results } = (await benchRun(config, [], ROOT)) as { results: RetrievalResults };
    expect(results.task).toBe('retrieval');
    expect(Object.keys(results.promptSets[0]!.metrics).sort()).toEqual([
      'image_retrieval_recall@1',
      'image_retrieval_recall@2',
      'image_retrieval_recall@5',
      'text_retrieval_recall@1',
      'text_retrieval_recall@2',
      'text_retrieval_recall@5',
    ]);
    const model = await loadClipModel({ model: TINY_MODEL, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    const d = await loadRetrieval(file);
    const images = await model.embedImages(
      await Promise.all(
        d.images.map(async (i) => preprocessImage(await decodeImage((i.source as { path: string }).path), model.preprocess)),
      ),
    );
    const texts = await model.embedTexts((await model.tokenizer()).tokenize(d.captions.map((c) => c.text)));
    const direct = retrievalRanks({
      imageEmbeddings: images,
      textEmbeddings: texts,
      captionImageIndex: d.captions.map((c) => c.image),
      ks: [1],
    });
    expect(results.promptSets[0]!.ranks).toEqual(direct);
    const hits = direct.imageRankPerCaption.filter((r) => r < 2).length / d.captions.length;
    expect(results.promptSets[0]!.metrics['image_retrieval_recall@2']).toBeCloseTo(hits, 12);
    await model.dispose();
  });

  it('lists a missing image file under errors and leaves its captions out', () => {
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
    const wrapped = bench([
      'run',
      '--dataset',
      file,
      '--prompts',
      path.join(dir, 'wrap.hbs'),
      '--model',
      TINY_MODEL,
      '--out',
      tempDir(),
      '--cache-dir',
      tempDir(),
    ]);
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

describe('blank captions', () => {
  const BLANKS = ['', '  ', ' \t\n', '\u3000'];

  it('COCO keeps empty and whitespace-only captions exactly as given', async () => {
    const file = cocoSet((j) => {
      BLANKS.forEach((caption, i) => j.annotations.push({ id: 500 + i, image_id: 100 + i, caption }));
      j.annotations.push({ id: 600, image_id: 104, caption: '  padded  ' });
    });
    const d = await loadRetrieval(file);
    expect(d.captions).toHaveLength(9 + BLANKS.length + 1);
    BLANKS.forEach((text, i) => expect(d.captions.filter((c) => c.image === i).at(-1)).toEqual({ text, image: i }));
    expect(d.captions.at(-1)).toEqual({ text: '  padded  ', image: 4 });
  });

  it.each([
    ['a number', 42, /captions_val\.json: annotations\[9\]\.caption: expected a string, got 42$/],
    ['null', null, /captions_val\.json: annotations\[9\]\.caption: expected a string, got null$/],
  ])('COCO still rejects a caption that is %s, naming the entry', async (_, caption, message) => {
    await expect(
      loadAnyDataset(
        cocoSet((j) => j.annotations.push({ id: 77, image_id: 100, caption })),
        opts(),
      ),
    ).rejects.toThrow(message);
  });

  it('Karpathy keeps blank sentences and rejects missing or non-string ones', async () => {
    const dir = tempDir('karpathy-');
    symlinkSync(path.join(GOLDEN_IMAGES, 'china.jpg'), path.join(dir, 'a.jpg'));
    const write = (sentences: unknown[]): string => {
      const file = path.join(dir, `dataset_${sentences.length}_${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ images: [{ filename: 'a.jpg', split: 'test', sentences }] }));
      return file;
    };
    const d = await loadRetrieval(write([{ raw: '' }, { raw: ' \t ' }, { raw: 'A roof.' }]));
    expect(d.captions.map((c) => c.text)).toEqual(['', ' \t ', 'A roof.']);
    await expect(loadAnyDataset(write([{ raw: 'ok' }, { tokens: [] }]), opts())).rejects.toThrow(
      /images\[0\]\.sentences\[1\]: missing "raw"/,
    );
    await expect(loadAnyDataset(write([{ raw: 5 }]), opts())).rejects.toThrow(
      /images\[0\]\.sentences\[0\]\.raw: expected a string, got 5$/,
    );
  });

  it('caption pairs keep blank captions from CSV, TSV and JSONL; a missing caption is still an error', async () => {
    const dir = tempDir('pairs-');
    for (const f of ['china.jpg', 'flower.jpg']) symlinkSync(path.join(GOLDEN_IMAGES, f), path.join(dir, f));
    writeFileSync(path.join(dir, 'p.csv'), 'image,caption\nchina.jpg,\nflower.jpg,"  "\nchina.jpg, a roof \n');
    writeFileSync(path.join(dir, 'p.tsv'), 'image\tcaption\nchina.jpg\t\nflower.jpg\t a flower\n');
    writeFileSync(path.join(dir, 'p.jsonl'), '{"image": "china.jpg", "caption": ""}\n{"image": "flower.jpg", "caption": " \\t"}\n');
    expect((await loadRetrieval(path.join(dir, 'p.csv'))).captions).toEqual([
      { text: '', image: 0 },
      { text: ' a roof ', image: 0 },
      { text: '  ', image: 1 },
    ]);
    expect((await loadRetrieval(path.join(dir, 'p.tsv'))).captions).toEqual([
      { text: '', image: 0 },
      { text: ' a flower', image: 1 },
    ]);
    expect((await loadRetrieval(path.join(dir, 'p.jsonl'))).captions).toEqual([
      { text: '', image: 0 },
      { text: ' \t', image: 1 },
    ]);
    writeFileSync(path.join(dir, 'short.csv'), 'image,caption\nchina.jpg,ok\nflower.jpg\n');
    await expect(loadAnyDataset(path.join(dir, 'short.csv'), opts())).rejects.toThrow(/short\.csv:3: Too few fields/);
    writeFileSync(path.join(dir, 'null.jsonl'), '{"image": "china.jpg", "caption": null}\n');
    await expect(loadAnyDataset(path.join(dir, 'null.jsonl'), opts())).rejects.toThrow(
      /null\.jsonl:1: caption: expected a string, got null$/,
    );
  });

  it('counts as blank what the original tokenizer strips (Python whitespace), not what trim() does', () => {
    for (const text of ['', ' ', '\t\n\r\v\f', '\u00a0\u2003\u3000', '\u0085', '\x1c\x1f'])
      expect(isBlankCaption(text), JSON.stringify(text)).toBe(true);
    // U+FEFF and U+200B are tokens to the original tokenizer, though trim() removes the first.
    for (const text of ['\ufeff', '\u200b', ' a ', '.']) expect(isBlankCaption(text), JSON.stringify(text)).toBe(false);
  });

  it('warns once, counting the blank captions and naming the first few images', async () => {
    const d = await loadRetrieval(cocoSet());
    expect(blankCaptionsWarning(d)).toBeUndefined();
    const one = { ...d, captions: [...d.captions, { text: '', image: 1 }] };
    expect(blankCaptionsWarning(one)).toBe(
      '1 caption is empty or whitespace only (image flower.jpg): embedded as they are, as CLIP_benchmark does',
    );
    const many = { ...d, captions: [...d.captions, ...[4, 0, 0, 2, 1].map((image) => ({ text: ' ', image }))] };
    expect(blankCaptionsWarning(many)).toBe(
      '5 captions are empty or whitespace only (images odd-crop-641x430.png, china.jpg, grace_hopper.jpg, …): embedded as they are, as CLIP_benchmark does',
    );
  });
});

interface BlankCaptionsGolden {
  readonly ks: readonly number[];
  readonly images: readonly string[];
  readonly captions: readonly { readonly text: string; readonly image: number }[];
  readonly blank_captions: readonly number[];
  readonly expected: Readonly<Record<string, number>>;
  readonly without_blank: Readonly<Record<string, number>>;
  readonly hits: Readonly<Record<string, readonly number[]>>;
}

describe('empty caption parity with the reference numbers', () => {
  // tools/reference/blank_captions.py: CLIP_benchmark's zeroshot_retrieval.evaluate on tiny-clip in PyTorch.
  const golden = JSON.parse(readFileSync(path.join(REFERENCE, 'goldens/blank-captions.json'), 'utf8')) as BlankCaptionsGolden;
  let run: { cli: CliResult; results: RetrievalResults } | undefined;

  /** One `bench run` on the golden set as a COCO caption file, shared by the tests below. */
  function benchOnGoldenSet(): { cli: CliResult; results: RetrievalResults } {
    if (run) return run;
    const dir = tempDir('blank-');
    mkdirSync(path.join(dir, 'images'));
    for (const f of golden.images) symlinkSync(path.join(GOLDEN_IMAGES, f), path.join(dir, 'images', f));
    const file = path.join(dir, 'captions_val.json');
    writeFileSync(
      file,
      JSON.stringify({
        images: golden.images.map((file_name, i) => ({ id: i + 1, file_name })),
        annotations: golden.captions.map((c, i) => ({ id: i + 1, image_id: c.image + 1, caption: c.text })),
      }),
    );
    const out = tempDir();
    const ks = golden.ks.join(',');
    const cli = bench([
      'run',
      '--dataset',
      file,
      '--model',
      TINY_MODEL,
      '--preprocess',
      'clip',
      '--recall-k',
      ks,
      '--out',
      out,
      '--cache-dir',
      tempDir(),
    ]);
    const dirs = runDirs(out);
    const results = (dirs[0] ? JSON.parse(readFileSync(path.join(out, dirs[0], 'results.json'), 'utf8')) : undefined) as RetrievalResults;
    run = { cli, results };
    return run;
  }

  it('the golden set is one where the blank captions change the numbers', () => {
    expect(golden.blank_captions.map((i) => golden.captions[i]!.text)).toEqual(['', '  \t']);
    expect(golden.without_blank).not.toEqual(golden.expected);
  });

  it('embeds blank captions as they are, keeps them in the metrics and matches CLIP_benchmark exactly', () => {
    const { cli, results } = benchOnGoldenSet();
    expect(cli.status, cli.stderr).toBe(0);
    expect(results.run.dataset.captionCount).toBe(golden.captions.length);
    expect(results.captions).toEqual(golden.captions.map(({ text, image }) => ({ text, image })));
    const metrics = results.promptSets[0]!.metrics;
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(golden.expected).sort());
    for (const [name, value] of Object.entries(golden.expected)) expect(Math.abs(metrics[name]! - value), name).toBeLessThanOrEqual(1e-12);
    // Query by query: a rank below k is exactly CLIP_benchmark's hit.
    const { imageRankPerCaption, captionRankPerImage } = results.promptSets[0]!.ranks;
    for (const k of golden.ks) {
      expect(
        imageRankPerCaption.map((r) => Number(r < k)),
        `image@${k}`,
      ).toEqual(golden.hits[`image_retrieval_recall@${k}`]);
      expect(
        captionRankPerImage.map((r) => Number(r < k)),
        `text@${k}`,
      ).toEqual(golden.hits[`text_retrieval_recall@${k}`]);
    }
  });

  // Needs benchRun to pass blankCaptionsWarning(dataset) to hooks.onWarning.
  it('warns once on stderr, naming the images with blank captions', () => {
    const { cli } = benchOnGoldenSet();
    expect(cli.stderr).toContain(
      'warning: 2 captions are empty or whitespace only (images flower.jpg, tall-strip.png): embedded as they are, as CLIP_benchmark does',
    );
    expect(cli.stderr.match(/empty or whitespace only/g)).toHaveLength(1);
  });
});
