#!/usr/bin/env node
// Reading images from WebDataset tar shards: is memory flat, and is there a cost per image?
// (issue 16, item 5)
// Makes data from the Fashion-MNIST test split (Debian's dataset-fashion-mnist): every t10k image
// as a PNG (sharp), written three ways with the same bytes: shards of --per-shard samples
// (<key>.cls, <key>.png), one shard holding them all, and class folders. Then, with the demo model:
//   peak RSS: `bench run --no-cache` over the first shard alone (--per-shard images) and over all
//     the shards (--images), through /usr/bin/time -f %M (every thread of the process); goal: the
//     larger at most 1.3× the smaller. Also the same images as one big shard, which must cost no
//     more than many small ones (only headers are read, so shard size should not matter).
//   per image: `bench run` of the shards and of the folder, each with a fresh (cold) cache, runs
//     interleaved --repeat times; (run.timings.dataset + run.timings.imageEmbedding) / images, the
//     median per form; goal: shards at most 10% slower. Both stages read every image twice (hash,
//     then decode), so this is where reading a member by offset could cost more than a file.
// Usage: npm run build && node bench/webdataset.mjs [--images 10000] [--per-shard 1000]
//        [--repeat 2] [--model <dir>]   (about 4 minutes on 2 cores with the defaults)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import tar from 'tar-stream';
import { configModel, median, readResults, runBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    'per-shard': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '2' },
    model: { type: 'string', default: configModel() },
    source: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
});
const total = Number(values.images);
const perShard = Number(values['per-shard']);
const repeat = Number(values.repeat);
if (![total, perShard, repeat].every((n) => Number.isSafeInteger(n) && n > 0) || perShard >= total) {
  throw new Error('--images, --per-shard and --repeat: whole numbers above 0, --per-shard below --images');
}
const RSS_RATIO = 1.3;
const TIME_RATIO = 1.1;
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error(`${TIME} is needed for peak RSS (apt-get install time)`);
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function readIdx(file, headerSize) {
  const raw = readFileSync(file);
  return (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).subarray(headerSize);
}

/** The first `count` test images as PNGs with their labels. */
async function testImages(count) {
  const pixels = readIdx(path.join(values.source, 't10k-images-idx3-ubyte.gz'), 16);
  const labels = readIdx(path.join(values.source, 't10k-labels-idx1-ubyte.gz'), 8);
  if (labels.length < count) throw new Error(`the test split has ${labels.length} images, fewer than --images ${count}`);
  const out = [];
  for (let start = 0; start < count; start += 256) {
    const batch = Array.from({ length: Math.min(256, count - start) }, (_, j) => start + j);
    const pngs = await Promise.all(
      batch.map((i) =>
        sharp(pixels.subarray(i * 784, (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } })
          .png()
          .toBuffer(),
      ),
    );
    batch.forEach((i, j) => out.push({ key: String(i).padStart(5, '0'), label: labels[i], png: pngs[j] }));
  }
  return out;
}

async function writeShard(file, samples) {
  const pack = tar.pack();
  const chunks = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk);
  })();
  const add = (name, data) =>
    new Promise((resolve, reject) => pack.entry({ name, size: data.length }, data, (e) => (e ? reject(e) : resolve())));
  for (const s of samples) {
    await add(`${s.key}.cls`, Buffer.from(String(s.label)));
    await add(`${s.key}.png`, s.png);
  }
  pack.finalize();
  await done;
  writeFileSync(file, Buffer.concat(chunks));
}

const work = mkdtempSync(path.join(os.tmpdir(), 'bench-wds-'));
const dirs = { shards: path.join(work, 'shards'), big: path.join(work, 'big'), folder: path.join(work, 'folder') };
for (const dir of Object.values(dirs)) mkdirSync(dir);
const images = await testImages(total);
for (let s = 0; s * perShard < total; s++) {
  await writeShard(path.join(dirs.shards, `${String(s).padStart(6, '0')}.tar`), images.slice(s * perShard, (s + 1) * perShard));
}
await writeShard(path.join(dirs.big, '000000.tar'), images);
for (const dir of [dirs.shards, dirs.big]) writeFileSync(path.join(dir, 'classnames.txt'), `${CLASSES.join('\n')}\n`);
// Folders 0 … 9 sort in label order; classnames.txt lists their names in that order.
CLASSES.forEach((_, c) => mkdirSync(path.join(dirs.folder, String(c))));
for (const s of images) writeFileSync(path.join(dirs.folder, String(s.label), `${s.key}.png`), s.png);
writeFileSync(path.join(dirs.folder, 'classnames.txt'), `${CLASSES.join('\n')}\n`);

let runs = 0;
function benchRun(dataset, { cache }) {
  const out = path.join(work, `run-${++runs}`);
  const cacheArgs = cache ? ['--cache-dir', path.join(work, `cache-${runs}`)] : ['--no-cache'];
  const args = ['run', '--dataset', dataset, '--model', values.model, '--prompts', 'prompts/basic.hbs', ...cacheArgs, '--out', out];
  const { stderr } = runBench(args, { wrapper: [TIME, '-f', '%M'], what: `bench run --dataset ${dataset}` });
  const results = readResults(out);
  rmSync(out, { recursive: true, force: true });
  const t = results.run.timings;
  const n = results.run.dataset.itemCount;
  return {
    n,
    rssMb: Number(stderr.trim().split('\n').at(-1)) / 1024,
    datasetS: t.dataset,
    perImageMs: ((t.dataset + t.imageEmbedding) * 1000) / n,
    acc1: results.promptSets[0].metrics.acc1,
  };
}

console.log(
  `machine: ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at start`,
);
console.log(`model: ${values.model}; Fashion-MNIST test images as PNG; prompts/basic.hbs; shards of ${perShard} samples`);

const small = benchRun(path.join(dirs.shards, '000000.tar'), { cache: false });
const large = benchRun(dirs.shards, { cache: false });
const oneShard = benchRun(dirs.big, { cache: false });
if (large.acc1 !== oneShard.acc1) throw new Error('one big shard gave other numbers than the small shards');
const rssRatio = large.rssMb / small.rssMb;
console.log(
  `peak RSS, --no-cache: ${small.n} images (1 shard) ${small.rssMb.toFixed(0)} MB; ${large.n} images (${Math.ceil(total / perShard)} shards) ${large.rssMb.toFixed(0)} MB`,
);
console.log(
  `  the same ${oneShard.n} images as one shard: ${oneShard.rssMb.toFixed(0)} MB (${(oneShard.rssMb / large.rssMb).toFixed(2)}× the small shards)`,
);
console.log(
  `goal: peak RSS at ${large.n} ≤ ${RSS_RATIO}× of ${small.n}: ${rssRatio.toFixed(2)} (${rssRatio <= RSS_RATIO ? 'met' : 'NOT met'})`,
);

const timed = { shards: [], folder: [] };
for (let r = 0; r < repeat; r++) {
  timed.folder.push(benchRun(dirs.folder, { cache: true }));
  timed.shards.push(benchRun(dirs.shards, { cache: true }));
}
if (timed.folder[0].acc1 !== timed.shards[0].acc1) throw new Error('the folder and the shards gave different numbers');
const perImage = (form) => median(timed[form].map((t) => t.perImageMs));
const listing = (form) => median(timed[form].map((t) => t.datasetS));
const timeRatio = perImage('shards') / perImage('folder');
console.log(`per image, cold cache, median of ${repeat} (dataset + image stages / images):`);
for (const form of ['folder', 'shards']) {
  console.log(`  ${form.padEnd(6)} ${perImage(form).toFixed(3)} ms/image (dataset stage ${listing(form).toFixed(2)} s of it)`);
}
console.log(
  `goal: shards ≤ ${TIME_RATIO}× the folder's time per image: ${timeRatio.toFixed(2)} (${timeRatio <= TIME_RATIO ? 'met' : 'NOT met'})`,
);
console.log(`load average ${os.loadavg()[0].toFixed(1)} at the end (times are only comparable when it stayed near the core count)`);
rmSync(work, { recursive: true, force: true });
