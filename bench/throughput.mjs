#!/usr/bin/env node
// Throughput of `bench run` against the raw engine, in one process on one machine:
//   (a) a bare onnxruntime-node session on tensors made beforehand (the ceiling),
//   (b) `bench run --no-cache` end to end (decode, preprocess, inference, metrics, results).
// Each both ways: steady state (after the first batches: no session creation, no pipeline fill)
// and the whole run (raw: session creation and every batch; bench run: process start to exit).
// For the ViT-B/32-sized fixture on Fashion-MNIST and on a folder of real photos, then q8 vs fp32
// on the demo model, and peak RSS of a 1,000- vs a 10,000-image run.
// Usage: npm run build && node bench/throughput.mjs [--images 2000] [--photos <dir>] [--skip fmnist,photos,q8,rss]
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { loadDataset, selectSubset } from '../dist/datasets/index.js';
import { decodeImage } from '../dist/model/decode.js';
import { preprocessImage } from '../dist/model/preprocess.js';
import { loadPreprocessSpec } from '../dist/model/clipModel.js';
import { resolveModelSource } from '../dist/model/source.js';
import { configModel, readResults, root, runBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    model: { type: 'string', default: 'test/fixtures/generated/vit-b-32' },
    demo: { type: 'string', default: configModel() },
    photos: { type: 'string', default: path.resolve(root, 'test/reference/goldens/preprocess/images') },
    skip: { type: 'string', default: '' },
  },
});
const skip = new Set(values.skip.split(',').filter(Boolean));
const threads = os.availableParallelism();
const batchSize = 32;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-throughput-'));
const fmt = (x) => x.toFixed(1);

/**
 * A class-folder dataset of `count` distinct JPEGs cut from the photos at shifting offsets: copies
 * of the same bytes would share one cache key and be embedded once, flattering (b).
 */
async function photoDataset(count) {
  const dir = path.join(work, 'photos', 'photo');
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(values.photos).filter((f) => /\.(jpe?g|png)$/i.test(f) && !f.startsWith('tiny'));
  for (let i = 0; i < count; i++) {
    const source = path.join(values.photos, sources[i % sources.length]);
    const { width, height } = await sharp(source).metadata();
    const cut = { left: i % 17, top: (i * 7) % 13, width: width - 17, height: height - 13 };
    await sharp(source)
      .extract(cut)
      .removeAlpha()
      .jpeg({ quality: 90 })
      .toFile(path.join(dir, `${String(i).padStart(5, '0')}.jpg`));
  }
  return path.dirname(dir);
}

/** Batches left out of a steady-state rate: the first runs of a session allocate and tune. */
const WARMUP_BATCHES = 2;

async function rawEngine(model, datasetSpec, limit) {
  const source = resolveModelSource(model, 'fp32', root);
  const spec = await loadPreprocessSpec(source, 'clip');
  const dataset = selectSubset(await loadDataset(datasetSpec, { cwd: root, datasetsDir: path.join(root, 'datasets') }), { limit });
  const tensors = [];
  for (const item of dataset.items) {
    const image = item.source.kind === 'file' ? await decodeImage(item.source.path) : item.source.image;
    tensors.push(preprocessImage(image, spec));
  }
  if (tensors.length <= WARMUP_BATCHES * batchSize)
    throw new Error(`--images must exceed ${WARMUP_BATCHES * batchSize} for a steady-state rate`);
  const created = performance.now();
  const session = await ort.InferenceSession.create(path.join(source.location, 'onnx/vision_model.onnx'), { intraOpNumThreads: threads });
  const plane = 3 * spec.cropSize * spec.cropSize;
  let steadyFrom = 0;
  for (let i = 0; i < tensors.length; i += batchSize) {
    if (i === WARMUP_BATCHES * batchSize) steadyFrom = performance.now();
    const batch = tensors.slice(i, i + batchSize);
    const data = new Float32Array(batch.length * plane);
    batch.forEach((t, j) => data.set(t, j * plane));
    await session.run({ pixel_values: new ort.Tensor('float32', data, [batch.length, 3, spec.cropSize, spec.cropSize]) });
  }
  const ended = performance.now();
  await session.release();
  return {
    steady: (tensors.length - WARMUP_BATCHES * batchSize) / ((ended - steadyFrom) / 1000),
    whole: tensors.length / ((ended - created) / 1000),
  };
}

function benchRun(model, datasetSpec, limit, extra = []) {
  const out = path.join(work, `out-${Math.random().toString(36).slice(2)}`);
  const args = [
    'run',
    '--prompts',
    'prompts/basic.hbs',
    '--model',
    model,
    '--dataset',
    datasetSpec,
    '--limit',
    String(limit),
    '--no-cache',
    '--out',
    out,
    '--batch-size',
    String(batchSize),
    ...extra,
  ];
  const { seconds, stderr } = runBench(args, { wrapper: ['/usr/bin/time', '-f', 'maxrss_kb=%M'], what: 'bench run' });
  const results = readResults(out);
  const maxRssMb = Number(/maxrss_kb=(\d+)/.exec(stderr)[1]) / 1024;
  return { imgPerSec: results.items.length / seconds, seconds, maxRssMb, results, timings: results.run.timings };
}

/**
 * bench run's steady-state rate: the extra images of a full run over the extra seconds its image
 * stage took compared with a run of only the warm-up batches. What both share (the tower's load,
 * which run.timings already counts apart, and the first batches' pipeline fill) cancels out.
 */
function benchSteady(model, datasetSpec, limit) {
  const full = benchRun(model, datasetSpec, limit);
  const warmup = benchRun(model, datasetSpec, WARMUP_BATCHES * batchSize);
  const images = full.results.items.length - warmup.results.items.length;
  return { full, steady: images / (full.timings.imageEmbedding - warmup.timings.imageEmbedding) };
}

async function compare(label, model, datasetSpec, limit) {
  const a = await rawEngine(model, datasetSpec, limit);
  const { full: b, steady } = benchSteady(model, datasetSpec, limit);
  const t = b.timings;
  console.log(`${label}:`);
  console.log(
    `  steady state (after the first ${WARMUP_BATCHES} batches): (a) raw onnxruntime ${fmt(a.steady)} img/s, (b) bench run ${fmt(steady)} img/s, b/a = ${(steady / a.steady).toFixed(2)}`,
  );
  console.log(
    `  whole run: (a) raw onnxruntime ${fmt(a.whole)} img/s (session creation and every batch), (b) bench run --no-cache ${fmt(b.imgPerSec)} img/s ` +
      `(${fmt(b.seconds)} s wall, process start to exit), b/a = ${(b.imgPerSec / a.whole).toFixed(2)}`,
  );
  console.log(
    `  (b) stages: start-up ${t.startup.toFixed(2)} s, model load ${t.modelLoad.toFixed(2)} s, texts ${t.textEmbedding.toFixed(2)} s, ` +
      `images ${t.imageEmbedding.toFixed(2)} s (${fmt(t.imagesPerSecond)} img/s), metrics ${t.metrics.toFixed(2)} s, report ${t.report.toFixed(2)} s`,
  );
}

console.log(
  `machine: ${threads} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; batch ${batchSize}, ${threads} intra-op threads`,
);
const limit = Number(values.images);
if (existsSync(path.join(root, values.model, 'onnx/vision_model.onnx'))) {
  if (!skip.has('fmnist')) await compare(`${values.model}, ${limit} Fashion-MNIST images`, values.model, 'fashion-mnist', limit);
  if (!skip.has('photos'))
    await compare(
      `${values.model}, ${limit} real photos (distinct crops of ${values.photos})`,
      values.model,
      await photoDataset(limit),
      limit,
    );
} else {
  console.log(`skipped raw vs bench run: no model at ${values.model} (/usr/bin/python3 tools/fixtures/make_fixture.py --preset vit-b-32)`);
}
if (!skip.has('q8')) {
  const fp32 = benchRun(values.demo, 'fashion-mnist', 10000);
  const q8 = benchRun(values.demo, 'fashion-mnist', 10000, ['--dtype', 'q8']);
  const top1 = (r) => r.results.items.map((i) => i.predictions.basic[0].label);
  const [f, q] = [top1(fp32), top1(q8)];
  const agree = f.filter((l, i) => l === q[i]).length / f.length;
  const acc = (r) => (r.results.promptSets[0].metrics.acc1 * 100).toFixed(2);
  console.log(
    `demo model ${values.demo}, 10,000 images: fp32 ${fmt(fp32.imgPerSec)} img/s (acc1 ${acc(fp32)}%), q8 ${fmt(q8.imgPerSec)} img/s (acc1 ${acc(q8)}%), q8/fp32 ${(q8.imgPerSec / fp32.imgPerSec).toFixed(2)}×, top-1 agreement ${(agree * 100).toFixed(2)}%`,
  );
}
if (!skip.has('rss')) {
  const small = benchRun('test/fixtures/tiny-clip', 'fashion-mnist', 1000);
  const large = benchRun('test/fixtures/tiny-clip', 'fashion-mnist', 10000);
  console.log(
    `peak RSS (tiny model): 1,000 images ${fmt(small.maxRssMb)} MB, 10,000 images ${fmt(large.maxRssMb)} MB, ratio ${(large.maxRssMb / small.maxRssMb).toFixed(2)}`,
  );
}
rmSync(work, { recursive: true, force: true });
