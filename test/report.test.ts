import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { buildModel, headline } from '../src/report/data.js';
import { escapeHtml, html, jsonForScript } from '../src/report/html.js';
import { buildReport, startChartWorker, writeReport, type ReportImages } from '../src/report/index.js';
import { contentSecurityPolicy } from '../src/report/document.js';
import { metricsCsv, summaryMarkdown } from '../src/report/summary.js';
import { escapeMarkdown } from '../src/util/format.js';
import { assertInert } from '../src/report/svg.js';
import { CLIENT_SCRIPT } from '../src/report/client.js';
import type { Results } from '../src/results/schema.js';
import { wilsonInterval } from '../src/stats/index.js';
import { historyFileFor, type HistoryRecord } from '../src/history/history.js';
import { intervals, reportExtras } from '../src/report/extras.js';
import type { RetrievalResults } from '../src/results/retrievalSchema.js';
import { loadDataset } from '../src/datasets/index.js';
import { CHART_EXTRAS, DEMO_DATASET, ROOT, bench, tempDir, topResults, type TopItem } from './helpers.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SCRIPT_CLASS = '</script><script>window.__pwned=1</script><!--';
const QUOTES = `"dq" 'sq' &amp; & =cmd|' /C calc'!A0`;

/** A small, hand-checkable results.json: two prompt files that fail on different images. */
function fakeResults(classes: readonly string[], items: readonly TopItem[], datasetPath = '/nonexistent/dataset'): Results {
  return topResults({
    classes,
    items,
    sets: ['basic', `${HOSTILE} "set"`],
    promptSuffix: ` ${SCRIPT_CLASS} &amp;`,
    acc5: null,
    topProb: 0.7,
    restProb: 0.3,
    runId: 'test-run',
    modelId: `model ${HOSTILE}`,
    datasetName: `data ${HOSTILE}`,
    datasetPath,
    textsComputed: 4,
    durationMs: 1234,
    errors: [{ item: `${HOSTILE}.png`, reason: `cannot decode ${SCRIPT_CLASS}` }],
  });
}

/** The reason a caller gives when it has no images; the report says it and draws no thumbnails. */
const NO_IMAGES: ReportImages = { none: 'No dataset in this test' };

/** The demo dataset as `bench run` or `bench report` would pass it. */
async function demoImages(): Promise<ReportImages> {
  return { dataset: await loadDataset(DEMO_DATASET, { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') }) };
}

const CLASSES = [HOSTILE, SCRIPT_CLASS, QUOTES];
const ITEMS: TopItem[] = [
  { id: `${HOSTILE}/a.png`, label: HOSTILE, top: [HOSTILE, HOSTILE] },
  { id: `${HOSTILE}/b.png`, label: HOSTILE, top: [HOSTILE, QUOTES] },
  { id: 'x/c.png', label: SCRIPT_CLASS, top: [HOSTILE, SCRIPT_CLASS] },
  { id: 'x/d.png', label: SCRIPT_CLASS, top: [QUOTES, SCRIPT_CLASS] },
  { id: 'q/e.png', label: QUOTES, top: [QUOTES, QUOTES] },
];

/** Four images of the demo dataset in two classes; the first prompt file gets the last one wrong. */
function demoResults(): Results {
  const classes = ['ankle boot', 'bag'];
  const ids = ['ankle_boot/0023.png', 'ankle_boot/0039.png', 'bag/0018.png', 'bag/0030.png'];
  const items = ids.map((id, i) => ({
    id,
    label: classes[i < 2 ? 0 : 1]!,
    top: i === 3 ? ['ankle boot', 'bag'] : [classes[i < 2 ? 0 : 1]!, classes[i < 2 ? 0 : 1]!],
  }));
  return fakeResults(classes, items, DEMO_DATASET);
}

/** The gallery's inline JSON, as much of it as these tests read. */
function galleryData(json: string): { items: { id: string; thumb: string | null }[] } {
  return JSON.parse(json) as { items: { id: string; thumb: string | null }[] };
}

describe('report escaping', () => {
  it('escapes text and attributes, and the html tag escapes every interpolation', () => {
    expect(escapeHtml(`<a href="x">'&amp;'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;amp;&#39;&lt;/a&gt;');
    expect(html`<p title="${'"><script>'}">${HOSTILE}${[1, ' & ', false, null]}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;">&lt;img src=x onerror=alert(1)&gt;1 &amp; </p>',
    );
  });

  it('inline JSON cannot close its script element or open a comment, and parses back unchanged', () => {
    const data = { a: SCRIPT_CLASS, b: '\u2028 & > <!-- -->' };
    const json = jsonForScript(data);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(data);
  });

  it('Markdown keeps names as text (no HTML, no table break)', () => {
    expect(escapeMarkdown('a|b <img src=x> *c* & d')).toBe('a\\|b &lt;img src=x&gt; \\*c\\* &amp; d');
    expect(escapeMarkdown('# {x}_[y]~\nz')).toBe('\\# \\{x\\}\\_\\[y\\]\\~ z');
  });

  it('refuses chart SVG with an active element or attribute', () => {
    expect(() => assertInert('<svg><script>1</script></svg>')).toThrow(/active/);
    expect(() => assertInert('<svg><rect onclick="x"/></svg>')).toThrow(/active/);
    expect(assertInert('<svg><text>&lt;img onerror=x&gt;</text></svg>')).toContain('onerror');
  });
});

describe('report view-model', () => {
  const results = fakeResults(CLASSES, ITEMS);
  const model = buildModel(results);

  it('counts, per pair of prompt files, the images one gets right and the other wrong', () => {
    expect(model.disagreements).toEqual([
      { a: 'basic', b: `${HOSTILE} "set"`, aOnly: 1, bOnly: 2, aOnlyExamples: [`${HOSTILE}/b.png`], bOnlyExamples: ['x/c.png', 'x/d.png'] },
    ]);
  });

  it('names the winner on acc1, or says there is none', () => {
    expect(headline(model.promptSets)).toBe(`${HOSTILE} "set" wins on acc1 with 80.0%, 20.0 points ahead of basic (60.0%).`);
    const tie = model.promptSets.map((s) => ({ ...s, metrics: { ...s.metrics, acc1: 0.5 } }));
    expect(headline(tie)).toBe('No prompt file wins on acc1: all 2 score 50.0%.');
    expect(headline(model.promptSets.slice(0, 1))).toBe('One prompt file, basic: acc1 60.0%.');
  });

  it('summary.md and metrics.csv carry the same numbers, escaped for their format', () => {
    const md = summaryMarkdown(model);
    expect(md).toContain('| basic | 1 | 60.00% | – | 60.00% |');
    expect(md).not.toContain('<img');
    const rows = Papa.parse<Record<string, string>>(metricsCsv(model), { header: true, skipEmptyLines: true }).data;
    expect(rows).toHaveLength(2 * 2 + 2 * 3); // acc1 + mean recall per set (acc5 is null), recall per class
    expect(rows.find((r) => r.prompt_set === 'basic' && r.metric === 'acc1')?.value).toBe('0.6');
    const quoted = rows.find((r) => r.metric === 'recall' && r.class?.includes('=cmd'));
    expect(quoted?.class).toBe(QUOTES); // a leading-= value would be a formula; this one is not leading
    const formula = metricsCsv({ ...model, classRecall: [{ promptSet: 'p', label: '=1+1', recall: 1, support: 1 }] });
    expect(formula).toContain(`p,,"'=1+1",recall,1,1`);
  });
});

describe('report page', () => {
  it('is one self-contained file: no hostile markup survives, a CSP allows only its own script', async () => {
    const built = await buildReport(fakeResults(CLASSES, ITEMS), { images: NO_IMAGES });
    expect(built.html).not.toContain('<img src=x');
    expect(built.html).not.toContain('<script>window');
    expect(built.html.match(/<script/g)).toHaveLength(2); // the JSON data block and our script
    expect(built.html).toContain(`content="${escapeHtml(contentSecurityPolicy(CLIENT_SCRIPT))}"`);
    expect(built.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)|url\(\s*["']?https?:|@import/i);
    // The prompt template is shown once-escaped: `&amp;` in the file reads `&amp;` on the page.
    expect(built.html).toContain('a photo of a {{label}} &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;!-- &amp;amp;');
  });

  it('says why there are no thumbnails when its caller has no images, and still shows the gallery', async () => {
    const built = await buildReport(fakeResults(CLASSES, ITEMS), { images: NO_IMAGES });
    expect(built.thumbnailNote).toBe('No dataset in this test, so the gallery has no thumbnails.');
    expect(built.html).toContain('<p class="note">No dataset in this test, so the gallery has no thumbnails.</p>');
    const data = galleryData(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(built.html)![1]!);
    expect(data.items).toHaveLength(ITEMS.length);
    expect(data.items.every((i) => i.thumb === null)).toBe(true);
  });

  it('caps the gallery, disagreement examples first, and embeds small thumbnails from the dataset', async () => {
    const images = await demoImages();
    const built = await buildReport(demoResults(), { images, galleryLimit: 2 });
    const data = galleryData(/id="report-data">(.*?)<\/script>/s.exec(built.html)![1]!);
    expect(data.items.map((i) => i.id)).toEqual(['bag/0030.png', 'ankle_boot/0023.png']);
    for (const item of data.items) expect(item.thumb).toMatch(/^data:image\/png;base64,/);
    expect(built.thumbnailNote).toBeNull();
    const empty = await buildReport(demoResults(), { images, galleryLimit: 0 });
    expect(galleryData(/id="report-data">(.*?)<\/script>/s.exec(empty.html)![1]!).items).toEqual([]);
  });

  it('draws the trend and the whiskers only when given them', async () => {
    const results = fakeResults(CLASSES, ITEMS);
    const plain = await buildReport(results, { images: NO_IMAGES, galleryLimit: 0 });
    expect(plain.html).not.toContain('data-chart="trend"');
    expect(plain.html).not.toContain('Whiskers');
    const full = await buildReport(results, { images: NO_IMAGES, galleryLimit: 0, extras: CHART_EXTRAS });
    expect(full.html).toContain('data-chart="trend"');
    expect(full.html).toContain('Whiskers show 95% intervals.');
    expect(full.csv).toContain('basic,/prompts/basic.hbs,,acc1,0.6,5,0.4,0.8');
  });

  it('is byte-identical whether its charts render in-process or on a worker, and from build to build', async () => {
    const results = demoResults();
    const images = await demoImages();
    const inProcess = await buildReport(results, { images });
    const renderer = startChartWorker();
    try {
      expect((await buildReport(results, { images, renderer })).html).toBe(inProcess.html);
    } finally {
      await renderer.close();
    }
    expect((await buildReport(results, { images })).html).toBe(inProcess.html);
  });

  it('writes index.html, summary.md and metrics.csv into the folder, for either task, and nothing else', async () => {
    for (const [results, title] of [
      [fakeResults(CLASSES, ITEMS), '### ClipBench:'],
      [fakeRetrieval(), '### ClipBench retrieval:'],
    ] as const) {
      const dir = tempDir();
      const files = await writeReport(results, dir, { images: NO_IMAGES, galleryLimit: 0 });
      for (const file of [files.html, files.summary, files.csv]) expect(path.dirname(file)).toBe(dir);
      expect(readFileSync(files.summary, 'utf8')).toContain(title);
      expect(readdirSync(dir).sort()).toEqual(['index.html', 'metrics.csv', 'summary.md']);
    }
  });
});

describe('bench report', () => {
  it('rebuilds the report from a results.json, beside it or under --out', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(fakeResults(CLASSES, ITEMS)));
    const out = path.join(tempDir(), 'elsewhere');
    const cli = bench(['report', dir, '--out', out, '--gallery-limit', '3']);
    expect(cli.stderr).toMatch(/warning: The dataset could not be read/);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(path.join(out, 'index.html'));
    for (const name of ['index.html', 'summary.md', 'metrics.csv']) expect(existsSync(path.join(out, name))).toBe(true);
  });

  it("loads the dataset for the gallery: the IDX split holding the run's images, or a name in the config's datasetsDir", () => {
    const idx = idxFolder();
    const items = [0, 1].map((i) => ({ id: `train-images-idx3-ubyte#${i}`, label: String(i), top: [String(i), String(1 - i)] }));
    const dir = tempDir();
    const thumbs = (): unknown[] => {
      const json = /id="report-data">(.*?)<\/script>/s.exec(readFileSync(path.join(dir, 'index.html'), 'utf8'))![1]!;
      return (JSON.parse(json) as { items: { thumb: unknown }[] }).items.map((i) => i.thumb);
    };
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(fakeResults(['0', '1'], items, idx)));
    const byPath = bench(['report', dir]);
    expect(byPath.stderr).toBe(''); // the test split (t10k-…#0) holds none of them; the train split all
    expect(byPath.status).toBe(0);
    expect(thumbs()).toEqual([expect.stringMatching(/^data:image\/png;base64,/), expect.stringMatching(/^data:image\/png;base64,/)]);
    const datasets = tempDir('datasets-');
    writeFileSync(path.join(datasets, 'moved-idx.json'), JSON.stringify({ format: 'idx', path: idx }));
    const config = path.join(tempDir('config-'), 'bench.config.json');
    writeFileSync(config, JSON.stringify({ datasetsDir: datasets }));
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(fakeResults(['0', '1'], items, path.join(tempDir(), 'gone'))));
    const byName = bench(['report', dir, '--dataset', 'moved-idx', '--config', config]);
    expect(byName.stderr).toBe('');
    expect(byName.status).toBe(0);
    expect(thumbs().every((t) => typeof t === 'string')).toBe(true);
  });

  it('rejects a file that is not a results.json with exit code 2', () => {
    const file = path.join(tempDir(), 'other.json');
    writeFileSync(file, '{"hello": 1}');
    const cli = bench(['report', file]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('is not a ClipBench results.json');
    expect(bench(['report', path.join(tempDir(), 'missing.json')]).status).toBe(2);
  });
});

/** An IDX folder with both splits, 2×2 grey images: one in t10k (the default split), two in train. */
function idxFolder(): string {
  const dir = tempDir('idx-');
  const write = (prefix: string, labels: readonly number[]): void => {
    const images = Buffer.alloc(16 + labels.length * 4, 128);
    [0x803, labels.length, 2, 2].forEach((n, i) => images.writeUInt32BE(n, i * 4));
    const labelFile = Buffer.alloc(8 + labels.length);
    [0x801, labels.length].forEach((n, i) => labelFile.writeUInt32BE(n, i * 4));
    labelFile.set(labels, 8);
    writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), images);
    writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), labelFile);
  };
  write('t10k', [0]);
  write('train', [0, 1]);
  return dir;
}

describe('report extras (intervals and trend)', () => {
  const record = (
    runId: string,
    createdAt: string,
    acc1: number,
    overrides: { dataset?: string; model?: string; task?: 'classification' | 'retrieval' } = {},
  ): HistoryRecord => ({
    historyVersion: 1,
    runId,
    task: overrides.task ?? 'classification',
    createdAt,
    toolVersion: '0.0.0',
    commit: null,
    dirty: null,
    model: { id: overrides.model ?? `model ${HOSTILE}`, dtype: 'fp32', weights: '0' },
    dataset: { name: overrides.dataset ?? `data ${HOSTILE}`, itemCount: 6, evaluated: 5, limit: null, perClass: null, seed: 0 },
    promptSets: [{ name: 'basic', templates: 1, metrics: { acc1, acc5: null, mean_per_class_recall: acc1 } }],
  });

  it('gives Wilson 95% intervals for acc1 and acc5 from per-image correctness', () => {
    const results = fakeResults(CLASSES, ITEMS);
    const withAcc5 = { ...results, promptSets: results.promptSets.map((s) => ({ ...s, metrics: { ...s.metrics, acc5: 1 } })) };
    const got = intervals(withAcc5);
    expect(got.basic?.acc1).toEqual(wilsonInterval(3, 5));
    expect(got[`${HOSTILE} "set"`]?.acc1).toEqual(wilsonInterval(4, 5));
    expect(got.basic?.acc5).toEqual(wilsonInterval(5, 5)); // every class is among the predictions
    expect(intervals(results).basic?.acc5).toBeUndefined(); // acc5 is null with under 5 classes
  });

  it('draws the trend of the same dataset and model from history.jsonl, and none from a single run', async () => {
    const results = fakeResults(CLASSES, ITEMS);
    const out = tempDir();
    const lines = [
      record('old', '2024-01-01T00:00:00.000Z', 0.4),
      record('other-data', '2024-01-01T12:00:00.000Z', 0.9, { dataset: 'other' }),
      record('other-model', '2024-01-01T13:00:00.000Z', 0.9, { model: 'other' }),
      record('retrieval', '2024-01-01T14:00:00.000Z', 0.9, { task: 'retrieval' }),
      record('test-run', results.run.createdAt, 0.6),
      record('later', '2025-01-01T00:00:00.000Z', 0.1),
    ];
    writeFileSync(
      historyFileFor(out),
      `${lines
        .slice(4, 5)
        .map((l) => JSON.stringify(l))
        .join('\n')}\n`,
    );
    expect(reportExtras(results, { outDir: out }).history).toBeUndefined();
    writeFileSync(historyFileFor(out), `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`);
    const skipped: number[] = [];
    const extras = reportExtras(results, { outDir: out, onSkip: (line) => skipped.push(line) });
    expect(skipped).toEqual([7]);
    expect(extras.history?.filter((p) => p.metric === 'acc1').map((p) => [p.runId, p.value])).toEqual([
      ['old', 0.4],
      ['test-run', 0.6],
    ]);
    const built = await buildReport(results, { images: NO_IMAGES, galleryLimit: 0, extras });
    expect(built.html).toContain('data-chart="trend"');
    expect(built.csv).toContain(`basic,/prompts/basic.hbs,,acc1,0.6,5,${wilsonInterval(3, 5).lo}`);
  });
});

const CAPTION = `a ${HOSTILE} ${SCRIPT_CLASS} "q" &amp;`;

/** Three mosaics with two captions each; caption 0's image ranks second, image 0's captions first. */
const MOSAICS = path.join(ROOT, 'datasets/fashion-mosaics/images');

function fakeRetrieval(imagesDir = MOSAICS): RetrievalResults {
  const base = fakeResults(CLASSES, ITEMS).run;
  const images = ['0000.png', '0001.png', `${HOSTILE}.png`].map((id) => ({ id }));
  const captions = [0, 0, 1, 1, 2, 2].map((image, i) => ({ text: i === 0 ? CAPTION : `caption ${i}`, image }));
  return {
    schemaVersion: 1,
    task: 'retrieval',
    run: {
      ...base,
      dataset: {
        name: `mosaics ${HOSTILE}`,
        format: 'coco',
        path: '/x/captions.json',
        imagesDir,
        imageCount: 3,
        captionCount: 6,
        limit: null,
      },
      ks: [1, 5],
    },
    images,
    captions,
    promptSets: [
      {
        name: `wrap ${HOSTILE}`,
        file: '/prompts/wrap.hbs',
        templates: ['a photo of {{caption}}'],
        truncatedPrompts: [],
        metrics: {
          'image_retrieval_recall@1': 0.5,
          'image_retrieval_recall@5': 1,
          'text_retrieval_recall@1': 2 / 3,
          'text_retrieval_recall@5': 1,
        },
        ranks: { imageRankPerCaption: [1, 0, 0, 1, 0, 2], captionRankPerImage: [0, 0, 1] },
        examples: {
          captionToImages: [{ caption: 0, top: [1, 0, 2] }],
          imageToCaptions: [{ image: 0, top: [0, 1, 2, 3, 4] }],
        },
      },
    ],
    errors: [{ item: `${HOSTILE}.png`, reason: 'cannot decode' }],
  };
}

describe('retrieval report', () => {
  it('shows recall@k both ways, curves and examples with the correct results marked, all escaped', async () => {
    const built = await buildReport(fakeRetrieval(), { images: { imagesDir: MOSAICS } });
    expect(built.html).not.toContain('<img src=x');
    expect(built.html).not.toContain('<script>window');
    expect(built.html.match(/<script/g)).toHaveLength(1); // the same script as a classification page, without its data
    expect(built.html).toContain(`content="${escapeHtml(contentSecurityPolicy(CLIENT_SCRIPT))}"`);
    expect(built.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)|url\(\s*["']?https?:|@import/i);
    expect(built.html).toContain('data-chart="retrieval"');
    expect(built.html).toContain(`<q>${escapeHtml(CAPTION)}</q>`);
    // caption 0 → image 0 at rank 2; image 0 → captions 0 and 1.
    expect(built.html.match(/class="mini hit"/g)).toHaveLength(1);
    expect(built.html.match(/<li class="hit">/g)).toHaveLength(2);
    // Two of the three images exist in the mosaics folder (0000.png shows twice: a result and a query); the hostile one does not.
    expect(built.html.match(/<img class="thumb"[^>]*src="data:image\//g)).toHaveLength(3);
    expect(built.html.match(/<div class="thumb nothumb">/g)).toHaveLength(1);
    expect(built.thumbnailNote).toMatch(/1 of 3 example images/);
    expect(built.html).toContain('Unreadable images');
  });

  it('writes the recall metrics with Wilson intervals to metrics.csv and summary.md', async () => {
    const built = await buildReport(fakeRetrieval(), { images: NO_IMAGES });
    const rows = Papa.parse<Record<string, string>>(built.csv, { header: true, skipEmptyLines: true }).data;
    expect(rows.map((r) => r.metric)).toEqual([
      'image_retrieval_recall@1',
      'image_retrieval_recall@5',
      'text_retrieval_recall@1',
      'text_retrieval_recall@5',
    ]);
    expect(rows[0]).toMatchObject({
      value: '0.5',
      support: '6',
      ci95_lo: String(wilsonInterval(3, 6).lo),
      ci95_hi: String(wilsonInterval(3, 6).hi),
    });
    expect(rows[2]).toMatchObject({ support: '3', ci95_lo: String(wilsonInterval(2, 3).lo) });
    expect(built.summary).toContain('| 50.00% | 100.00% | 66.67% | 100.00% |');
    expect(built.summary).not.toContain('<img');
    expect(built.thumbnailNote).toBe('No dataset in this test, so the examples have no thumbnails.');
  });

  it('is the same page when its chart renders on a worker', async () => {
    const renderer = startChartWorker();
    try {
      const images = { imagesDir: MOSAICS };
      expect((await buildReport(fakeRetrieval(), { images, renderer })).html).toBe((await buildReport(fakeRetrieval(), { images })).html);
    } finally {
      await renderer.close();
    }
  });

  it('bench report rebuilds a retrieval run', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(fakeRetrieval(path.join(tempDir(), 'gone'))));
    const cli = bench(['report', dir, '--dataset', path.join(ROOT, 'datasets/fashion-mosaics/images')]);
    expect(cli.stderr).toMatch(/1 of 3 example images/);
    expect(cli.status).toBe(0);
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('Image ↔ text retrieval');
    expect(readFileSync(path.join(dir, 'metrics.csv'), 'utf8')).toContain('text_retrieval_recall@5');
  });
});
