import { existsSync, mkdirSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/doctor/doctor.js';
import { zeroShotFlips } from '../src/doctor/flips.js';
import { formatDoctorText } from '../src/doctor/format.js';
import { doctorPage } from '../src/doctor/page.js';
import { DOCTOR_REPORT_SCHEMA, type DoctorReport } from '../src/doctor/report.js';
import { compareTokens } from '../src/doctor/tokens.js';
import { InputError } from '../src/errors.js';
import { loadClipModel } from '../src/model/clipModel.js';
import { bench, GOLDEN_IMAGES, ROOT, TINY_MODEL, tempDir } from './helpers.js';

const VIT_B_32 = path.join(ROOT, 'test/fixtures/generated/vit-b-32');
const SIGLIP_TINY = path.join(ROOT, 'test/fixtures/siglip-tiny');
const HOSTILE = '<script>alert("x")</script>';

/** The golden photos as a two-class folder dataset: real JPEGs and PNGs, not 28×28 thumbnails. */
function goldenDataset(pattern = /\.(jpe?g|png)$/i): string {
  const root = tempDir('doctor-data-');
  const images = readdirSync(GOLDEN_IMAGES).filter((f) => pattern.test(f));
  images.forEach((file, i) => {
    const folder = path.join(root, i % 2 === 0 ? 'flower' : 'person');
    mkdirSync(folder, { recursive: true });
    copyFileSync(path.join(GOLDEN_IMAGES, file), path.join(folder, file));
  });
  return root;
}

/** A prompt file whose second template is both hostile markup and over the 77-token context. */
function hostilePrompts(): string {
  const file = path.join(tempDir('doctor-prompts-'), 'hostile.hbs');
  writeFileSync(file, `a photo of a {{label}}.\n${HOSTILE} {{label}} ${'in a long sentence about nothing much, '.repeat(12)}\n`);
  return file;
}

/** SigLIP turns on once loadClipModel knows the family (a model_type it does not know is an InputError). */
async function siglipLoads(): Promise<boolean> {
  try {
    await (await loadClipModel({ model: SIGLIP_TINY, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, fileHashMemo: null })).dispose();
    return true;
  } catch (error) {
    if (error instanceof InputError && error.message.includes('model_type')) return false;
    throw error;
  }
}

function checkConsistent(report: DoctorReport): void {
  const { zeroShot, embeddings } = report;
  for (const c of [embeddings.image, embeddings.text]) {
    expect(c.min).toBeLessThanOrEqual(c.mean + 1e-12);
    expect(c.mean).toBeLessThanOrEqual(1 + 1e-6);
  }
  expect(zeroShot.acc1Change).toBeCloseTo((zeroShot.stockCorrect - zeroShot.referenceCorrect) / zeroShot.images, 12);
  // Each changed answer is a flip; a flip need not change correctness (wrong → another wrong).
  expect(Math.abs(zeroShot.stockCorrect - zeroShot.referenceCorrect)).toBeLessThanOrEqual(zeroShot.flips);
  expect(zeroShot.flips).toBeLessThanOrEqual(zeroShot.images);
  expect(zeroShot.examples.length).toBe(Math.min(zeroShot.flips, 5));
  expect(DOCTOR_REPORT_SCHEMA.safeParse(report).success).toBe(true);
}

describe('doctor comparisons', () => {
  it('counts a prompt whose stock ids lost the end token, and shows both id lists', () => {
    const tokens = compareTokens(
      ['short', 'long'],
      [
        [1, 5, 2],
        [1, 7, 7, 2],
      ],
      [
        [1, 5, 2],
        [1, 7, 7, 7],
      ],
      2,
    );
    expect(tokens).toMatchObject({ prompts: 2, differing: 1, endLost: { count: 1, examples: ['long'] } });
    expect(tokens.examples).toEqual([{ text: 'long', reference: [1, 7, 7, 2], stock: [1, 7, 7, 7] }]);
  });

  it('counts as flips exactly the images whose top-1 differs', () => {
    const classes = [[[1, 0]], [[0, 1]]];
    const summary = zeroShotFlips({
      imageIds: ['a', 'b', 'c'],
      labels: [0, 1, 1],
      classNames: ['x', 'y'],
      reference: {
        images: [
          [1, 0.1],
          [0.1, 1],
          [1, 0.2],
        ],
        prompts: classes,
      },
      stock: {
        images: [
          [0.1, 1],
          [0.1, 1],
          [0.2, 1],
        ],
        prompts: classes,
      },
    });
    expect(summary).toMatchObject({ flips: 2, referenceCorrect: 2, stockCorrect: 2, acc1Change: 0 });
    expect(summary.examples.map((f) => f.image)).toEqual(['a', 'c']);
  });
});

describe('bench doctor on the tiny model and real photos', () => {
  let report: DoctorReport;
  beforeAll(async () => {
    report = await runDoctor({
      model: TINY_MODEL,
      dataset: goldenDataset(),
      datasetsDir: ROOT,
      prompts: hostilePrompts(),
      limit: 200,
      threads: 2,
      cwd: ROOT,
    });
  }, 120_000);

  it('finds the long prompts whose end token the stock tokenizer cuts off', () => {
    // Two classes: the hostile template's two prompts and one built-in long prompt per class.
    expect(report.prompts.long).toHaveLength(2);
    expect(report.tokens.endLost.count).toBe(4);
    expect(report.tokens.endLost.examples).toHaveLength(3);
    const lost = report.tokens.examples[0]!;
    expect(lost.reference.at(-1)).toBe(49407);
    expect(lost.stock).toHaveLength(77);
    expect(lost.stock.at(-1)).not.toBe(49407);
    expect(formatDoctorText(report)).toMatch(/end token lost by the stock pipeline: 4 prompt/);
  });

  it('measures a pixel difference (sharp resize vs PIL bicubic) and consistent figures', () => {
    expect(report.pixels.images).toBe(report.dataset.images);
    expect(report.pixels.meanOfMeans).toBeGreaterThan(0.01);
    expect(report.pixels.maxOfMax).toBeGreaterThan(report.pixels.meanOfMeans);
    expect(report.embeddings.image.min).toBeLessThan(1);
    checkConsistent(report);
  });

  it('escapes a hostile prompt in the HTML page', () => {
    const page = doctorPage(report);
    expect(page).not.toContain(HOSTILE);
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).not.toMatch(/<script/i);
  });
});

describe('bench doctor CLI', () => {
  it('prints JSON that validates against the schema, and writes the HTML page', () => {
    const out = path.join(tempDir('doctor-out-'), 'doctor.html');
    const result = bench([
      'doctor',
      '--model',
      TINY_MODEL,
      '--limit',
      '20',
      '--prompts',
      'prompts/basic.hbs',
      '--threads',
      '2',
      '--format',
      'json',
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = DOCTOR_REPORT_SCHEMA.parse(JSON.parse(result.stdout));
    expect(report.dataset.images).toBe(20);
    expect(report.tokens.endLost.count).toBe(3);
    checkConsistent(report);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('bench doctor');
    expect(page).toContain(`${report.zeroShot.flips} of 20`);
  }, 120_000);
});

describe.skipIf(!existsSync(path.join(VIT_B_32, 'onnx/vision_model.onnx')))('bench doctor on ViT-B/32', () => {
  it('shows the documented pixel error on photos and a consistent report', async () => {
    // Photos only: the synthetic goldens (a 5×5 image, an RGBA gradient) differ far more.
    const report = await runDoctor({
      model: VIT_B_32,
      dataset: goldenDataset(/\.jpe?g$/i),
      datasetsDir: ROOT,
      prompts: path.join(ROOT, 'prompts/basic.hbs'),
      limit: 200,
      threads: 2,
      cwd: ROOT,
    });
    expect(report.pixels.meanOfMeans).toBeGreaterThan(0.08);
    expect(report.pixels.meanOfMeans).toBeLessThan(0.35);
    expect(report.tokens.endLost.count).toBe(report.prompts.long.length);
    checkConsistent(report);
  }, 300_000);
});

const siglipReady = await siglipLoads();

describe.skipIf(!siglipReady)('bench doctor on SigLIP', () => {
  it('compares the padded ids and pooler outputs', async () => {
    const report = await runDoctor({
      model: SIGLIP_TINY,
      dataset: goldenDataset(),
      datasetsDir: ROOT,
      prompts: path.join(ROOT, 'prompts/basic.hbs'),
      limit: 200,
      threads: 2,
      cwd: ROOT,
    });
    expect(report.model.modelType).toBe('siglip');
    // SigLIP pads to 64 with the end token's id: only prompts cut at 64 lose it.
    expect(report.tokens.examples.every((e) => e.reference.length === 64 && e.stock.length === 64)).toBe(true);
    expect(report.tokens.endLost.count).toBe(report.prompts.long.length);
    checkConsistent(report);
  }, 120_000);
});
