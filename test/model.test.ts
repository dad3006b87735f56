import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClipModel } from '../src/model/clipModel.js';
import { decodeImage } from '../src/model/decode.js';
import { preprocessImage } from '../src/model/preprocess.js';
import { GOLDEN_IMAGES, TINY_MODEL, ROOT, maxAbsDiff, tinyMaskModel } from './helpers.js';

interface ReferenceOutputs {
  texts: { text: string; ids: number[]; text_embeds: number[] }[];
  images: { image: string; image_embeds: number[] }[];
}

describe.each([
  ['tiny-clip (input_ids only)', TINY_MODEL],
  ['tiny-clip-mask (declares attention_mask)', tinyMaskModel()],
])('ONNX path through transformers.js matches the PyTorch model: %s', (_, dir) => {
  const reference = JSON.parse(readFileSync(path.join(dir, 'reference-outputs.json'), 'utf8')) as ReferenceOutputs;

  it('tokenizes and embeds texts as PyTorch did, in one padded batch', async () => {
    const model = await loadClipModel({ model: dir, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    const tokens = (await model.tokenizer()).tokenize(reference.texts.map((t) => t.text));
    expect(tokens.map((t) => t.ids)).toEqual(reference.texts.map((t) => t.ids));
    const embeddings = await model.embedTexts(tokens);
    const worst = Math.max(...embeddings.map((e, i) => maxAbsDiff(e, reference.texts[i]!.text_embeds)));
    console.log(`${_}: text embeddings max |ONNX − PyTorch| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    await model.dispose();
  });

  it('preprocesses and embeds the reference photos as PyTorch did', async () => {
    const model = await loadClipModel({ model: dir, dtype: 'fp32', preprocess: 'clip', cwd: ROOT, threads: 2 });
    const pixels = await Promise.all(
      reference.images.map(async (r) => preprocessImage(await decodeImage(path.join(GOLDEN_IMAGES, r.image)), model.preprocess)),
    );
    const embeddings = await model.embedImages(pixels);
    const worst = Math.max(...embeddings.map((e, i) => maxAbsDiff(e, reference.images[i]!.image_embeds)));
    console.log(`${_}: image embeddings max |ONNX − PyTorch| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    await model.dispose();
  });
});

describe('model loading errors', () => {
  it('names the missing file and the expected layout', async () => {
    await expect(loadClipModel({ model: path.join(ROOT, 'prompts'), dtype: 'fp32', preprocess: 'clip', cwd: ROOT })).rejects.toThrow(
      /model folder .*prompts lacks .*config\.json.*Expected layout: config\.json, preprocessor_config\.json/,
    );
  });
  it('says which files a dtype needs', async () => {
    await expect(loadClipModel({ model: TINY_MODEL, dtype: 'fp16', preprocess: 'clip', cwd: ROOT })).rejects.toThrow(
      /onnx\/text_model_fp16\.onnx.*--dtype fp16 needs the _fp16\.onnx files/,
    );
  });
  it('rejects a folder-like path that does not exist instead of trying the hub', async () => {
    await expect(loadClipModel({ model: './no-such-model', dtype: 'fp32', preprocess: 'clip', cwd: ROOT })).rejects.toThrow(
      /model folder .*no-such-model does not exist/,
    );
  });
});
