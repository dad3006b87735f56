#!/usr/bin/env node
// Agreement of a model's q8 towers with its fp32 towers, through the package's own loader (dist/).
//
//   npx tsc -p . && node tools/quantize/compare.mjs <model_dir> [--images N] [--threads T]
//
// Embeds the reference texts of <model_dir>/reference-outputs.json plus "a photo of a X." for the
// demo dataset's classes, the golden reference photos, and the first N demo images (default 100),
// once with dtype fp32 and once with q8, and prints the cosine between the two embeddings of each
// item (min / mean), and the time each image pass took (one batch of 25 at a time; a rough figure).
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { loadClipModel, decodeImage, preprocessImage } = await import(path.join(ROOT, 'dist/index.js'));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { images: { type: 'string', default: '100' }, threads: { type: 'string', default: String(os.availableParallelism()) } },
});
if (positionals.length !== 1) {
  console.error('usage: node tools/quantize/compare.mjs <model_dir> [--images N] [--threads T]');
  process.exit(2);
}
const modelDir = path.resolve(positionals[0]);
const threads = Number(values.threads);
const demo = path.join(ROOT, 'datasets/fashion-mnist-1k');
const goldens = path.resolve(ROOT, 'test/reference/goldens/preprocess/images');

const reference = JSON.parse(readFileSync(path.join(modelDir, 'reference-outputs.json'), 'utf8'));
const classes = Object.values(JSON.parse(readFileSync(path.join(demo, 'classnames.json'), 'utf8')));
const texts = [...reference.texts.map((t) => t.text), ...classes.map((c) => `a photo of a ${c}.`)];

const imageFiles = reference.images.map((r) => path.join(goldens, r.image));
const classDirs = readdirSync(demo, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const perClass = classDirs.map((c) =>
  readdirSync(path.join(demo, c))
    .sort()
    .map((f) => path.join(demo, c, f)),
);
for (let i = 0; imageFiles.length < reference.images.length + Number(values.images); i++) {
  const list = perClass[i % perClass.length];
  imageFiles.push(list[Math.floor(i / perClass.length)]);
}

function cosine(a, b) {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

async function embed(dtype) {
  const model = await loadClipModel({ model: modelDir, dtype, preprocess: 'clip', cwd: ROOT, threads });
  const tokens = (await model.tokenizer()).tokenize(texts);
  const textEmbeds = await model.embedTexts(tokens);
  const pixels = await Promise.all(imageFiles.map(async (f) => preprocessImage(await decodeImage(f), model.preprocess)));
  await model.embedImages(pixels.slice(0, 1)); // load the session outside the timing
  const start = performance.now();
  const imageEmbeds = [];
  for (let i = 0; i < pixels.length; i += 25) imageEmbeds.push(...(await model.embedImages(pixels.slice(i, i + 25))));
  const seconds = (performance.now() - start) / 1000;
  await model.dispose();
  return { textEmbeds, imageEmbeds, seconds };
}

function summary(label, a, b) {
  const cos = a.map((v, i) => cosine(v, b[i]));
  const min = Math.min(...cos);
  const mean = cos.reduce((s, c) => s + c, 0) / cos.length;
  console.log(`${label}: ${cos.length} items, cosine q8 vs fp32 min ${min.toFixed(5)}, mean ${mean.toFixed(5)}`);
}

const fp32 = await embed('fp32');
const q8 = await embed('q8');
console.log(`model ${path.relative(ROOT, modelDir) || modelDir}, ${threads} threads`);
summary('text embeddings ', fp32.textEmbeds, q8.textEmbeds);
summary('image embeddings', fp32.imageEmbeds, q8.imageEmbeds);
for (const [name, r] of [
  ['fp32', fp32],
  ['q8', q8],
]) {
  console.log(
    `${name}: ${imageFiles.length} images in ${r.seconds.toFixed(2)} s (${(imageFiles.length / r.seconds).toFixed(1)} img/s, batches of 25)`,
  );
}
