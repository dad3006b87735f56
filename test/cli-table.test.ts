import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import type { Results } from '../src/results/schema.js';
import { correctness, flip, writeSyntheticRun } from './fixtures/stats/synthetic.js';
import { GOLDEN_IMAGES, ROOT, TINY_MODEL, bench, tempDir, smallFolderDataset, type CliResult } from './helpers.js';

/*
 * The documented flags, config keys and exit-2 paths of every command, each run once through the
 * built CLI on a handful of images with the tiny fixture model. A row gives the arguments, the exit
 * code, a fragment of stdout and/or stderr, and optionally checks the results.json the run wrote
 * (found through the "results: <path>" line) or anything else the command left behind.
 */

interface Row {
  readonly name: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly status: 0 | 1 | 2;
  readonly stdout?: string | RegExp;
  readonly stderr?: string | RegExp;
  /** Checks on the results.json of a classification run that succeeded. */
  readonly results?: (results: Results) => void;
  /** Checks on the results.json of a retrieval run that succeeded. */
  readonly retrieval?: (results: RetrievalResults) => void;
  /** Checks on what else the command printed or wrote. */
  readonly verify?: (result: CliResult, cwd: string) => void;
}

const BASIC = path.join(ROOT, 'prompts/basic.hbs');
const LABEL_ONLY = path.join(ROOT, 'prompts/label-only.hbs');
const IMAGE = path.join(GOLDEN_IMAGES, 'china.jpg');
const work = tempDir('cli-table-');
const file = (name: string, body: string): string => {
  const target = path.join(work, name);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, body);
  return target;
};

// Six images: two of each of ankle_boot, bag and coat.
const data = smallFolderDataset(3, 2);
const dataIds = readdirSync(data, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(data, d.name)).map((f) => `${d.name}/${f}`));
const run = (...rest: string[]): string[] => [
  'run',
  '--prompts',
  BASIC,
  '--model',
  TINY_MODEL,
  '--dataset',
  data,
  '--out',
  path.join(work, 'runs'),
  '--threads',
  '2',
  ...rest,
];

/** The subset README promises: the `limit` ids first by sha256("<seed>:<id>"), computed here, not by the tool. */
function seededPick(ids: readonly string[], seed: number, limit: number): string[] {
  const hash = (id: string): string => createHash('sha256').update(`${seed}:${id}`).digest('hex');
  return [...ids]
    .sort((a, b) => (hash(a) < hash(b) ? -1 : 1))
    .slice(0, limit)
    .sort();
}

/** MNIST-style IDX files: 3 images in the test split, 5 in the train split, labels alternating 0/1. */
function idxFolder(): string {
  const dir = path.join(work, 'idx');
  mkdirSync(dir);
  const images = (n: number): Buffer => {
    const b = Buffer.alloc(16 + n * 28 * 28);
    [0x803, n, 28, 28].forEach((v, i) => b.writeUInt32BE(v, 4 * i));
    for (let i = 16; i < b.length; i++) b[i] = (i * 7) % 256;
    return b;
  };
  const labels = (n: number): Buffer => {
    const b = Buffer.alloc(8 + n);
    [0x801, n].forEach((v, i) => b.writeUInt32BE(v, 4 * i));
    for (let i = 0; i < n; i++) b[8 + i] = i % 2;
    return b;
  };
  for (const [split, n] of [
    ['t10k', 3],
    ['train', 5],
  ] as const) {
    writeFileSync(path.join(dir, `${split}-images-idx3-ubyte`), images(n));
    writeFileSync(path.join(dir, `${split}-labels-idx1-ubyte`), labels(n));
  }
  return dir;
}
const idx = idxFolder();

// COCO captions naming two mosaics, in a folder that does not hold them: --images says where they are.
const coco = file(
  'coco/captions.json',
  JSON.stringify({
    images: [
      { id: 1, file_name: '0000.png' },
      { id: 2, file_name: '0001.png' },
    ],
    annotations: [
      { image_id: 1, caption: 'a bag and a shoe' },
      { image_id: 2, caption: 'a coat and a dress' },
    ],
  }),
);
const mosaics = path.join(ROOT, 'datasets/fashion-mosaics/images');

// A project whose config sits in a subfolder: every relative path in it is taken from that folder.
const project = path.join(work, 'project');
const confDir = path.join(project, 'conf');
file('project/p.hbs', 'a photo of a {{label}}.\n');
file('project/conf/defs/mini.json', JSON.stringify({ format: 'folder', path: path.relative(path.join(confDir, 'defs'), data) }));
file(
  'project/conf/bench.config.json',
  JSON.stringify({ model: path.relative(confDir, TINY_MODEL), datasetsDir: 'defs', out: 'runs', threads: 2, limit: 4 }),
);

// A project with one real run of two prompt files, for history and baseline save (made in beforeAll).
const history = path.join(work, 'history');
cpSync(data, path.join(history, 'shoes'), { recursive: true });
file('history/bench.config.json', JSON.stringify({ model: TINY_MODEL, dataset: 'shoes', threads: 2 }));

// Synthetic runs with an exact drop (40 lost, 25 gained of 300) for check and compare: enough
// discordant images that bootstrap intervals resolve finely enough to differ from seed to seed.
const base = correctness(300, 200);
const baseline = writeSyntheticRun(path.join(work, 'synthetic'), { runId: '20250101-000000-base', sets: { basic: base } });
const current = writeSyntheticRun(path.join(work, 'synthetic'), { runId: '20250102-000000-drop', sets: { basic: flip(base, 40, 25) } });
const checkProject = path.join(work, 'check-project');
file('check-project/bench.config.json', JSON.stringify({ check: { baseline, seed: 5 } }));

const notAModel = tempDir('not-a-model-');
const emptyCache = tempDir('empty-cache-');
const malformed = file('malformed.json', '{"limit": 3,');
const notResults = file('hello.json', '{"hello": 1}');
const config = (name: string, body: object): string => file(`configs/${name}.json`, JSON.stringify(body));

interface CheckJson {
  readonly settings: { readonly bootstrap: { readonly seed: number } };
  readonly rows: readonly { readonly metric: string; readonly interval: { readonly lo: number; readonly hi: number } }[];
}
const checkJson = (stdout: string): CheckJson => JSON.parse(stdout) as CheckJson;
const intervals = (stdout: string) => checkJson(stdout).rows.map((r) => [r.metric, r.interval]);

/** The gallery data the report embeds for its script. */
function galleryOf(runResults: string): { items: unknown[]; evaluated: number } {
  const html = readFileSync(path.join(path.dirname(runResults), 'index.html'), 'utf8');
  const json = /<script[^>]*\bid="report-data"[^>]*>([\s\S]*?)<\/script>/.exec(html);
  expect(json, 'index.html embeds no report-data').not.toBeNull();
  return JSON.parse(json![1]!) as { items: unknown[]; evaluated: number };
}

const resultsFileOf = (stdout: string, cwd: string): string => {
  const line = /^results: (.+)$/m.exec(stdout);
  expect(line, `no "results:" line in:\n${stdout}`).not.toBeNull();
  return path.resolve(cwd, line![1]!);
};

const TABLE: Record<string, readonly Row[]> = {
  'bench run': [
    {
      name: '--dtype q8 loads the quantized towers',
      args: run('--dtype', 'q8'),
      status: 0,
      stdout: '(q8)',
      results: (r) => {
        expect(r.run.model.dtype).toBe('q8');
        expect(Object.keys(r.run.model.onnxSha256).sort()).toEqual(['onnx/text_model_quantized.onnx', 'onnx/vision_model_quantized.onnx']);
      },
    },
    {
      name: '--dtype fp16 without the fp16 files',
      args: run('--dtype', 'fp16'),
      status: 2,
      stderr: '--dtype fp16 needs the _fp16.onnx files',
    },
    {
      name: '--dtype outside the choices',
      args: run('--dtype', 'int4'),
      status: 2,
      stderr: "argument 'int4' is invalid. expected fp32, fp16, q8 or several separated by commas.",
    },
    { name: '--preprocess hf', args: run('--preprocess', 'hf'), status: 0, results: (r) => expect(r.run.preprocess.mode).toBe('hf') },
    {
      name: '--per-class 1 takes one image of each class',
      args: run('--per-class', '1'),
      status: 0,
      stdout: '3 images, 3 classes',
      results: (r) => {
        expect(r.run.dataset.perClass).toBe(1);
        expect(new Set(r.items.map((i) => i.label)).size).toBe(3);
      },
    },
    { name: '--per-class 0', args: run('--per-class', '0'), status: 2, stderr: "option '--per-class <n>' argument '0' is invalid" },
    {
      name: '--limit 2 --seed 7 picks the items sha256("7:<id>") ranks first',
      args: run('--limit', '2', '--seed', '7'),
      status: 0,
      results: (r) => {
        // Only meaningful if seed 7 picks other items than the default seed 0 would.
        expect(seededPick(dataIds, 7, 2)).not.toEqual(seededPick(dataIds, 0, 2));
        expect(r.items.map((i) => i.id).sort()).toEqual(seededPick(dataIds, 7, 2));
      },
    },
    { name: '--seed -1', args: run('--seed', '-1'), status: 2, stderr: "option '--seed <s>' argument '-1' is invalid" },
    { name: '--batch-size 0', args: run('--batch-size', '0'), status: 2, stderr: "option '--batch-size <b>' argument '0' is invalid" },
    {
      name: '--split train reads the train IDX files',
      args: [
        'run',
        '--prompts',
        BASIC,
        '--model',
        TINY_MODEL,
        '--dataset',
        idx,
        '--split',
        'train',
        '--out',
        path.join(work, 'runs'),
        '--threads',
        '2',
      ],
      status: 0,
      stdout: '5 images, 2 classes',
      results: (r) => expect(r.run.dataset).toMatchObject({ format: 'idx', itemCount: 5 }),
    },
    {
      name: 'the test split by default',
      args: ['run', '--prompts', BASIC, '--model', TINY_MODEL, '--dataset', idx, '--out', path.join(work, 'runs'), '--threads', '2'],
      status: 0,
      stdout: '3 images, 2 classes',
    },
    {
      name: '--split val on IDX files',
      args: ['run', '--prompts', BASIC, '--model', TINY_MODEL, '--dataset', idx, '--split', 'val'],
      status: 2,
      stderr: 'unknown split "val" for IDX files; use "test" or "train"',
    },
    {
      name: 'captions whose images are not beside them: listed as errors',
      args: ['run', '--model', TINY_MODEL, '--dataset', coco, '--out', path.join(work, 'runs'), '--threads', '2'],
      status: 0,
      retrieval: (r) => expect(r.errors.map((e) => e.item).sort()).toEqual(['0000.png', '0001.png']),
    },
    {
      name: '--images names the images folder of a caption file',
      args: ['run', '--model', TINY_MODEL, '--dataset', coco, '--images', mosaics, '--out', path.join(work, 'runs'), '--threads', '2'],
      status: 0,
      stdout: '2 images, 2 captions',
      retrieval: (r) => {
        expect(r.task).toBe('retrieval');
        expect(r.errors).toEqual([]);
        expect(r.images).toHaveLength(2);
      },
    },
    {
      name: '--images that does not exist',
      args: ['run', '--model', TINY_MODEL, '--dataset', coco, '--images', path.join(work, 'nowhere')],
      status: 2,
      stderr: `images folder ${path.join(work, 'nowhere')} (--images) does not exist`,
    },
    {
      name: '--recall-k 1,2',
      args: [
        'run',
        '--model',
        TINY_MODEL,
        '--dataset',
        'fashion-mosaics',
        '--limit',
        '4',
        '--recall-k',
        '2,1',
        '--out',
        path.join(work, 'runs'),
        '--threads',
        '2',
      ],
      status: 0,
      stdout: /^prompt file\s+image R@1\s+image R@2\s+text R@1\s+text R@2$/m,
      retrieval: (r) => {
        expect(r.run.ks).toEqual([1, 2]);
        expect(Object.keys(r.promptSets[0]!.metrics).sort()).toEqual([
          'image_retrieval_recall@1',
          'image_retrieval_recall@2',
          'text_retrieval_recall@1',
          'text_retrieval_recall@2',
        ]);
      },
    },
    {
      name: '--recall-k 0',
      args: ['run', '--model', TINY_MODEL, '--dataset', 'fashion-mosaics', '--recall-k', '0'],
      status: 2,
      stderr: "option '--recall-k <ks>' argument '0' is invalid",
    },
    {
      name: '--per-class on a captioned set',
      args: ['run', '--model', TINY_MODEL, '--dataset', 'fashion-mosaics', '--per-class', '2'],
      status: 2,
      stderr: '--per-class applies to classification',
    },
    {
      name: '--task retrieval on class folders',
      args: run('--task', 'retrieval'),
      status: 2,
      stderr: `--task retrieval, but ${data} is a classification dataset`,
    },
    {
      name: '--gallery-limit 2 keeps two images in the report',
      args: run('--gallery-limit', '2'),
      status: 0,
      verify: (r, cwd) =>
        expect(galleryOf(resultsFileOf(r.stdout, cwd))).toMatchObject({ items: [expect.anything(), expect.anything()], evaluated: 6 }),
    },
    {
      name: '--gallery-limit 0 keeps none',
      args: run('--gallery-limit', '0'),
      status: 0,
      verify: (r, cwd) => expect(galleryOf(resultsFileOf(r.stdout, cwd)).items).toEqual([]),
    },
    {
      name: '--gallery-limit -1',
      args: run('--gallery-limit', '-1'),
      status: 2,
      stderr: "option '--gallery-limit <n>' argument '-1' is invalid",
    },
    {
      name: '--no-cache leaves the cache folder without a store',
      args: run('--cache-dir', emptyCache, '--no-cache'),
      status: 0,
      stdout: '0 images and 0 prompts from the cache, 6 images and 3 prompts computed',
      results: (r) => expect(r.run.cache.location).toBeNull(),
      verify: () => expect(readdirSync(emptyCache).filter((f) => f.startsWith('embeddings.sqlite'))).toEqual([]),
    },
    {
      name: '--store with a scheme no store has',
      args: run('--store', 'ftp://someone:hunter2@example.com/db'),
      status: 2,
      stderr: '--store ftp://someone:***@example.com/db: unknown scheme ftp:// (use a cache folder, or postgres://, postgresql://)',
      verify: (r) => expect(r.stderr).not.toContain('hunter2'),
    },
    {
      name: '--lease-seconds 0',
      args: run('--lease-seconds', '0'),
      status: 2,
      stderr: "option '--lease-seconds <s>' argument '0' is invalid",
    },
    {
      name: 'CLIPBENCH_LEASE_SECONDS that is not a count',
      args: run(),
      env: { CLIPBENCH_LEASE_SECONDS: 'soon' },
      status: 2,
      stderr: 'CLIPBENCH_LEASE_SECONDS must be a positive whole number of seconds, got "soon"',
    },
    {
      name: 'CLIPBENCH_HOLD_AFTER_BATCHES that is not a count',
      args: run(),
      env: { CLIPBENCH_HOLD_AFTER_BATCHES: '2.5' },
      status: 2,
      stderr: 'CLIPBENCH_HOLD_AFTER_BATCHES must be a positive whole number of image batches, got "2.5"',
    },
  ],
  'bench run: config file': [
    {
      name: 'relative paths from the config folder: model, datasetsDir (a named descriptor), out',
      args: ['run', '--prompts', 'p.hbs', '--config', 'conf/bench.config.json', '--dataset', 'mini'],
      cwd: project,
      status: 0,
      stdout: /^results: conf\/runs\/[^/]+\/results\.json$/m,
      results: (r) => {
        expect(r.run.model.id).toBe(TINY_MODEL);
        expect(r.run.dataset).toMatchObject({ name: 'mini', itemCount: 4, limit: 4 });
      },
    },
    {
      name: 'a store folder in the config file is taken from the config folder',
      args: run('--config', config('store', { store: 'shared-cache' })),
      status: 0,
      results: (r) => expect(r.run.cache.location).toBe(path.join(work, 'configs', 'shared-cache', 'embeddings.sqlite')),
    },
    {
      name: 'an unknown name in datasetsDir lists the known ones',
      args: ['run', '--prompts', 'p.hbs', '--config', 'conf/bench.config.json', '--dataset', 'maxi'],
      cwd: project,
      status: 2,
      stderr: 'known names: mini',
    },
    {
      name: '--config that does not exist',
      args: run('--config', path.join(work, 'none.json')),
      status: 2,
      stderr: `config file ${path.join(work, 'none.json')} does not exist`,
    },
    {
      name: 'malformed JSON, with line and column',
      args: run('--config', malformed),
      status: 2,
      stderr: `${malformed}:1:13: malformed JSON`,
    },
    {
      name: 'limit 0',
      args: run('--config', config('limit', { limit: 0 })),
      status: 2,
      stderr: 'limit: expected a positive whole number, got 0',
    },
    {
      name: 'dtype outside the choices',
      args: run('--config', config('dtype', { dtype: 'int4' })),
      status: 2,
      stderr: 'dtype: expected one of "fp32", "fp16", "q8", got "int4"',
    },
    {
      name: 'an empty recallK',
      args: run('--config', config('recall', { recallK: [] })),
      status: 2,
      stderr: 'recallK: expected a list of positive whole numbers',
    },
    { name: 'a misspelt key', args: run('--config', config('typo', { perclass: 2 })), status: 2, stderr: 'unknown setting "perclass"' },
  ],
  'bench tokenize': [
    {
      name: 'the model of the config file by default',
      args: ['tokenize', 'a photo of a cat.'],
      cwd: history,
      status: 0,
      stdout: '"ids":[49406,320,1125,539,320,2368,269,49407]',
    },
    {
      name: '--stdin-json that is not JSON',
      args: ['tokenize', '--model', TINY_MODEL, '--stdin-json'],
      input: '["a", ',
      status: 2,
      stderr: '--stdin-json: standard input is not JSON',
    },
    {
      name: '--stdin-json that is not an array of strings',
      args: ['tokenize', '--model', TINY_MODEL, '--stdin-json'],
      input: '["a", 1]',
      status: 2,
      stderr: '--stdin-json: expected a JSON array of strings',
    },
    {
      name: '--model that does not exist',
      args: ['tokenize', '--model', path.join(work, 'nowhere'), 'x'],
      status: 2,
      stderr: `model folder ${path.join(work, 'nowhere')} does not exist`,
    },
    {
      name: '--model without tokenizer files',
      args: ['tokenize', '--model', notAModel, 'x'],
      status: 2,
      stderr: `model folder ${notAModel} lacks ${path.join(notAModel, 'tokenizer.json')}`,
    },
  ],
  'bench preview': [
    {
      name: 'the model of the config file by default',
      args: ['preview', IMAGE, '--save-png', path.join(work, 'preview.png')],
      cwd: history,
      status: 0,
      stdout: `${IMAGE}: 224×224 crop, clip preprocessing`,
      verify: () => expect(existsSync(path.join(work, 'preview.png'))).toBe(true),
    },
    {
      name: 'no output asked for',
      args: ['preview', IMAGE, '--model', TINY_MODEL],
      status: 2,
      stderr: 'preview: pass --save-png <file>, --dump-tensor <file>, or both',
    },
    {
      name: 'an image that does not exist',
      args: ['preview', path.join(work, 'none.png'), '--model', TINY_MODEL, '--save-png', path.join(work, 'x.png')],
      status: 2,
      stderr: `cannot decode image ${path.join(work, 'none.png')}: file not found`,
    },
    {
      name: 'a file that is not an image',
      args: ['preview', notResults, '--model', TINY_MODEL, '--save-png', path.join(work, 'x.png')],
      status: 2,
      stderr: 'not a supported image format',
    },
    {
      name: '--preprocess outside the choices',
      args: ['preview', IMAGE, '--model', TINY_MODEL, '--preprocess', 'pil', '--save-png', path.join(work, 'x.png')],
      status: 2,
      stderr: "argument 'pil' is invalid. Allowed choices are clip, hf",
    },
    {
      name: '--model without a preprocessor config',
      args: ['preview', IMAGE, '--model', notAModel, '--save-png', path.join(work, 'x.png')],
      status: 2,
      stderr: `lacks ${path.join(notAModel, 'preprocessor_config.json')}`,
    },
  ],
  'bench check and compare': [
    {
      name: 'check --seed sets the bootstrap seed, and the interval follows it',
      args: ['check', '--baseline', baseline, current, '--seed', '3', '--format', 'json'],
      status: 1,
      verify: (r) => {
        expect(checkJson(r.stdout).settings.bootstrap.seed).toBe(3);
        const seed0 = bench(['check', '--baseline', baseline, current, '--format', 'json']);
        expect(checkJson(seed0.stdout).settings.bootstrap.seed).toBe(0);
        expect(intervals(r.stdout)).toHaveLength(3);
        expect(intervals(r.stdout)).not.toEqual(intervals(seed0.stdout));
      },
    },
    {
      name: 'check takes the baseline and seed from the config file',
      args: ['check', current, '--format', 'json'],
      cwd: checkProject,
      status: 1,
      verify: (r) => expect(checkJson(r.stdout).settings.bootstrap.seed).toBe(5),
    },
    {
      name: 'check --seed overrides the config file',
      args: ['check', current, '--seed', '2', '--format', 'json'],
      cwd: checkProject,
      status: 1,
      verify: (r) => expect(checkJson(r.stdout).settings.bootstrap.seed).toBe(2),
    },
    {
      name: 'check --seed -1',
      args: ['check', '--baseline', baseline, current, '--seed', '-1'],
      status: 2,
      stderr: "option '--seed <s>' argument '-1' is invalid",
    },
    {
      name: 'check --resamples 0',
      args: ['check', '--baseline', baseline, current, '--resamples', '0'],
      status: 2,
      stderr: "option '--resamples <n>' argument '0' is invalid",
    },
    {
      name: 'check --format outside the choices',
      args: ['check', '--baseline', baseline, current, '--format', 'xml'],
      status: 2,
      stderr: 'Allowed choices are table, md, json',
    },
    {
      name: 'check --max-drop with a negative limit',
      args: ['check', '--baseline', baseline, current, '--max-drop', 'acc1=-1'],
      status: 2,
      stderr: '--max-drop acc1: expected a non-negative number of points',
    },
    {
      name: 'check --max-drop that is not metric=points',
      args: ['check', '--baseline', baseline, current, '--max-drop', 'lots'],
      status: 2,
      stderr: '--max-drop: expected metric=points pairs',
    },
    {
      name: 'check --baseline that does not exist',
      args: ['check', '--baseline', path.join(work, 'none.json'), current],
      status: 2,
      stderr: `cannot read ${path.join(work, 'none.json')}: no such file`,
    },
    { name: 'compare with one side only', args: ['compare', baseline], status: 2, stderr: "missing required argument 'current'" },
    { name: 'compare malformed JSON', args: ['compare', malformed, baseline], status: 2, stderr: `${malformed}:1:13: malformed JSON` },
    { name: 'compare a JSON file that is not a run', args: ['compare', notResults, baseline], status: 2, stderr: 'neither a results.json' },
  ],
  'bench baseline, history, cache, report': [
    {
      name: 'baseline save writes baselines/<dataset>.json from the newest run by default',
      args: ['baseline', 'save'],
      cwd: history,
      status: 0,
      stdout: 'baseline saved: baselines/shoes.json',
      verify: (_, cwd) => {
        const saved = JSON.parse(readFileSync(path.join(cwd, 'baselines/shoes.json'), 'utf8')) as { kind: string; items: unknown[] };
        expect(saved.kind).toBe('clipbench-baseline');
        expect(saved.items).toHaveLength(6);
      },
    },
    {
      name: 'baseline save with no runs',
      args: ['baseline', 'save', '--out', path.join(work, 'no-runs')],
      status: 2,
      stderr: `no runs under ${path.join(work, 'no-runs')}`,
    },
    {
      name: 'baseline save --from a file that is not a run',
      args: ['baseline', 'save', '--from', notResults],
      status: 2,
      stderr: 'neither a results.json',
    },
    {
      name: 'history --prompt-set shows only the sets named',
      args: ['history', '--prompt-set', 'label-only'],
      cwd: history,
      status: 0,
      stdout: /^run\s+commit\s+model\s+dataset\s+label-only$/m,
      verify: (r) => expect(r.stdout).not.toMatch(/\bbasic\b/),
    },
    {
      name: 'history --last 0',
      args: ['history', '--last', '0'],
      cwd: history,
      status: 2,
      stderr: "option '-n, --last <n>' argument '0' is invalid",
    },
    {
      name: 'cache prune --older-than -1',
      args: ['cache', 'prune', '--older-than', '-1', '--cache-dir', emptyCache],
      status: 2,
      stderr: "option '--older-than <days>' argument '-1' is invalid",
    },
    {
      name: 'report of a JSON file that is not a run',
      args: ['report', notResults],
      status: 2,
      stderr: `${notResults} is not a ClipBench results.json`,
    },
    {
      name: 'report of a path that does not exist',
      args: ['report', path.join(work, 'nowhere')],
      status: 2,
      stderr: `${path.join(work, 'nowhere')} does not exist`,
    },
  ],
};

function matches(text: string, expected: string | RegExp): void {
  if (typeof expected === 'string') expect(text).toContain(expected);
  else expect(text).toMatch(expected);
}

beforeAll(() => {
  const made = bench(['run', '--prompts', BASIC, LABEL_ONLY], { cwd: history });
  expect(made.status, made.stderr).toBe(0);
});

for (const [command, rows] of Object.entries(TABLE)) {
  describe(command, () => {
    for (const row of rows) {
      it(`${row.name}: exit ${row.status}`, () => {
        const cwd = row.cwd ?? ROOT;
        const result = bench(row.args, { cwd, input: row.input, env: row.env });
        expect(result.status, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(row.status);
        if (row.stdout !== undefined) matches(result.stdout, row.stdout);
        if (row.stderr !== undefined) matches(result.stderr, row.stderr);
        // Usage and input errors go to stderr alone, so stdout stays parseable (--format json).
        if (row.status === 2) expect(result.stdout).toBe('');
        if (row.results || row.retrieval) {
          const written = JSON.parse(readFileSync(resultsFileOf(result.stdout, cwd), 'utf8')) as Results | RetrievalResults;
          expect(written.task).toBe(row.results ? 'classification' : 'retrieval');
          if (written.task === 'classification') row.results?.(written);
          else if (written.task === 'retrieval') row.retrieval?.(written);
        }
        row.verify?.(result, cwd);
      });
    }
  });
}
