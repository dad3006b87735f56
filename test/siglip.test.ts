import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { classProbabilities, LOGIT_SCALE } from '../src/metrics/index.js';
import { loadClipModel, type ClipModel } from '../src/model/clipModel.js';
import { decodeImage } from '../src/model/decode.js';
import { loadTokenizer } from '../src/model/loadTokenizer.js';
import { preprocessImage } from '../src/model/preprocess.js';
import { canonicalizeSiglipText } from '../src/model/siglipTokenizer.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { sha256 } from '../src/util/hash.js';
import { maxAbsDiff, ROOT, tempDir } from './helpers.js';

/**
 * The SigLIP pipeline against the references made with the fixture's own tools (sentencepiece for
 * the ids, Pillow for the pixels, the PyTorch model for embeddings and probabilities): see
 * test/fixtures/siglip-tiny/README.md and tools/fixtures/siglip/README.md.
 */
const SIGLIP = path.join(ROOT, 'test/fixtures/siglip-tiny');

interface TokenCase {
  readonly text: string;
  readonly normalized: string;
  readonly ids: readonly number[];
  readonly input_ids?: readonly number[];
}
interface Reference {
  readonly logit_scale: number;
  readonly logit_bias: number;
  readonly texts: readonly { text: string; ids: number[]; text_embeds: number[] }[];
  readonly images: readonly { image: string; pixel_sha256: string; tensor: string; image_embeds: number[] }[];
  readonly probs: readonly (readonly number[])[];
}

const cases = (JSON.parse(readFileSync(path.join(SIGLIP, 'tokenizer-cases.json'), 'utf8')) as { cases: TokenCase[] }).cases;
const reference = JSON.parse(readFileSync(path.join(SIGLIP, 'reference-outputs.json'), 'utf8')) as Reference;

describe('SigLIP tokenization (SiglipTokenizer, padding="max_length")', () => {
  it(`gives sentencepiece's ids on all ${cases.length} cases: canonicalised, </s> appended, cut to 63 + </s>`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const tokenizer = await loadTokenizer(SIGLIP);
    const got = tokenizer.tokenize(cases.map((c) => c.text));
    const wrong = cases.filter((c, i) => JSON.stringify(got[i]!.ids) !== JSON.stringify(c.ids.length > 64 ? c.input_ids : c.ids));
    expect(wrong.map((c) => c.text)).toEqual([]);
    expect(got.filter((t) => t.truncated).length).toBe(cases.filter((c) => c.ids.length > 64).length);
    expect(got.every((t) => t.ids.at(-1) === 1)).toBe(true);
    expect(tokenizer.padding).toBe('max_length:64:1');
    expect(tokenizer.padLength).toBe(64);
  });

  it('canonicalises as canonicalize_text does, idempotently', () => {
    for (const c of cases) {
      const once = canonicalizeSiglipText(c.text, true);
      expect(once).toBe(c.normalized);
      expect(canonicalizeSiglipText(once, true)).toBe(once);
    }
    // Python's whitespace, not JavaScript's: U+FEFF stays, U+001F and U+0085 are spaces.
    expect(canonicalizeSiglipText('A\u001fb\u0085c\ufeffD!', true)).toBe('a b c\ufeffd');
  });
});

const SIGLIP_BASE = path.join(ROOT, 'test/fixtures/generated/siglip-base');
/**
 * The committed tiny fixture, and google/siglip-base-patch16-224's dimensions when generated
 * (`make_siglip_fixture.py --preset siglip-base`, 723 MB; skipped without it). Base's text tower
 * measured 2.9e-5 off PyTorch (values up to 3.9): its bound is 1e-4.
 */
const FIXTURES = [
  { name: 'siglip-tiny', dir: SIGLIP, tolerance: 1e-5 },
  { name: 'siglip-base', dir: SIGLIP_BASE, tolerance: 1e-4 },
] as const;

for (const fixture of FIXTURES) {
  describe.skipIf(!existsSync(path.join(fixture.dir, 'onnx/vision_model.onnx')))(`SigLIP model (${fixture.name}) against PyTorch`, () => {
    let model: ClipModel;
    let ref: Reference;
    beforeAll(async () => {
      ref = JSON.parse(readFileSync(path.join(fixture.dir, 'reference-outputs.json'), 'utf8')) as Reference;
      model = await loadClipModel({ model: fixture.dir, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    }, 120_000);
    afterAll(async () => model.dispose());

    it('resizes straight to the square with Pillow bicubic, no crop: bit-exact pixels', async () => {
      expect(model.preprocess.resize).toBe('squash');
      for (const image of ref.images) {
        const pixels = preprocessImage(await decodeImage(path.join(ROOT, image.image)), model.preprocess);
        const expected = new Float32Array(readFileSync(path.join(fixture.dir, image.tensor)).buffer.slice(0));
        expect(maxAbsDiff(pixels, expected), image.image).toBe(0);
        expect(sha256(Buffer.from(pixels.buffer)), image.image).toBe(image.pixel_sha256);
      }
    });

    it('embeds texts and images as the PyTorch model does, and scores with its sigmoid head', async () => {
      const tokenizer = await model.tokenizer();
      const texts = await model.embedTexts(tokenizer.tokenize(ref.texts.map((t) => t.text)));
      const textWorst = Math.max(...texts.map((e, i) => maxAbsDiff(e, ref.texts[i]!.text_embeds)));
      const pixels = await Promise.all(
        ref.images.map(async (i) => preprocessImage(await decodeImage(path.join(ROOT, i.image)), model.preprocess)),
      );
      const images = await model.embedImages(pixels);
      const imageWorst = Math.max(...images.map((e, i) => maxAbsDiff(e, ref.images[i]!.image_embeds)));
      expect(model.head).toEqual({ kind: 'sigmoid', scale: Math.exp(ref.logit_scale), bias: ref.logit_bias });
      const unit = (v: ArrayLike<number>) => {
        const n = Math.hypot(...Array.from(v));
        return Array.from(v, (x) => x / n);
      };
      const probs = images.map((image) => {
        const logits = texts.map((t) => LOGIT_SCALE * unit(t).reduce((s, x, d) => s + x * unit(image)[d]!, 0));
        return Array.from(classProbabilities(logits, model.head));
      });
      const probWorst = Math.max(...probs.map((row, i) => maxAbsDiff(row, ref.probs[i]!)));
      console.log(
        `${fixture.name}: max |ONNX − PyTorch| texts ${textWorst.toExponential(2)}, images ${imageWorst.toExponential(2)}, probs ${probWorst.toExponential(2)}`,
      );
      expect(textWorst).toBeLessThan(fixture.tolerance);
      expect(imageWorst).toBeLessThan(fixture.tolerance);
      expect(probWorst).toBeLessThan(fixture.tolerance);
    }, 120_000);
  });
}

describe('model families', () => {
  it('runs bench run on the SigLIP fixture with the bundled data, recording the family and its sigmoid scores', async () => {
    const config = resolveRunConfig(ROOT, {
      model: SIGLIP,
      limit: 100,
      out: tempDir('siglip-run-'),
      cacheDir: tempDir('siglip-cache-'),
      threads: 2,
    });
    const { results } = (await benchRun(config, [path.join(ROOT, 'prompts/basic.hbs')], ROOT)) as { results: Results };
    expect(results.items).toHaveLength(100);
    expect(results.run.model.family).toBe('siglip');
    expect(results.run.model.head).toEqual({ kind: 'sigmoid', scale: Math.exp(reference.logit_scale), bias: reference.logit_bias });
    expect(results.run.preprocess).toMatchObject({ resize: 'squash', cropSize: 32 });
    // Independent per-class sigmoids: no reason to add up to 1 (a softmax over ten classes would).
    const sums = results.items.map((i) => i.predictions.basic!.reduce((s, p) => s + p.prob, 0));
    expect(sums.some((s) => Math.abs(s - 1) > 0.01)).toBe(true);
  }, 120_000);

  it('refuses an unknown model_type, listing the supported families', async () => {
    const dir = tempDir('family-');
    cpSync(SIGLIP, dir, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'chinese_clip' }));
    await expect(loadClipModel({ model: dir, dtype: 'fp32', preprocess: 'clip', cwd: ROOT })).rejects.toThrow(
      'model_type "chinese_clip" is not a supported model family; supported: clip, siglip',
    );
  });
});
