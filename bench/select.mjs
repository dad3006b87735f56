#!/usr/bin/env node
// `bench select` over the 80 templates of prompts/imagenet-80.hbs on the 10,000 Fashion-MNIST test
// images, with the image embeddings already cached (goal: under 10 s). Prints the warm wall time
// (median of 3), then the selection alone at ViT-B/32's width (512), where the demo model has 64.
// Usage: npm run build && node bench/select.mjs [--model models/fashion-clip-mini] [--runs 3]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { greedySelection, holdoutSplit } from '../dist/index.js';
import { Mulberry32 } from '../dist/stats/index.js';
import { configModel, median, root, runBench } from './lib.mjs';

const { values } = parseArgs({ options: { model: { type: 'string', default: configModel() }, runs: { type: 'string', default: '3' } } });
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-select-'));
const args = (runs) => [
  'select',
  '--prompts',
  'prompts/imagenet-80.hbs',
  '--dataset',
  'fashion-mnist',
  '--model',
  path.resolve(root, values.model),
  '--max-templates',
  '10',
  '--cache-dir',
  path.join(work, 'cache'),
  '--runs',
  runs,
];

const cold = runBench(args(path.join(work, 'cold')), { what: 'cold bench select' });
const warm = Array.from({ length: Number(values.runs) }, (_, i) => {
  const runs = path.join(work, `warm-${i}`);
  const { seconds } = runBench(args(runs), { what: 'warm bench select' });
  const [id] = readdirSync(runs);
  return { seconds, selection: JSON.parse(readFileSync(path.join(runs, id, 'selection.json'), 'utf8')) };
});
const s = warm[0].selection;
if (warm.some((w) => JSON.stringify(w.selection.path) !== JSON.stringify(s.path))) throw new Error('warm runs chose differently');
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(
  `pool: ${s.run.pool.templates.length} templates; ${s.run.dataset.itemCount} images; split ${s.run.split.selection}/${s.run.split.heldOut}`,
);
console.log(`cold (embeds everything): ${cold.seconds.toFixed(2)} s`);
console.log(
  `warm (image embeddings cached), median of ${warm.length}: ${median(warm.map((w) => w.seconds)).toFixed(2)} s wall ` +
    `(in-process ${(median(warm.map((w) => w.selection.run.durationMs)) / 1000).toFixed(2)} s; goal < 10 s)`,
);

// The selection alone at 512 dimensions: random unit-scale embeddings, same shape as above.
const rng = new Mulberry32(0);
const vector = (dim) => Float32Array.from({ length: dim }, () => rng.nextUint32() / 2 ** 32 - 0.5);
const [images, classes, templates, dim] = [10_000, 10, 80, 512];
const targets = Array.from({ length: images }, (_, i) => i % classes);
const input = {
  imageEmbeddings: targets.map(() => vector(dim)),
  targets,
  templates: Array.from({ length: templates }, () => Array.from({ length: classes }, () => [vector(dim)])),
  ...holdoutSplit(
    targets.map((label, i) => ({ id: String(i), label })),
    { heldOut: 0.5, seed: 0 },
  ),
  mode: 'embedding',
  maxTemplates: 10,
};
const started = performance.now();
greedySelection(input);
console.log(
  `greedySelection alone, ${templates} templates × ${images} images × ${classes} classes at ${dim} dims: ${((performance.now() - started) / 1000).toFixed(2)} s`,
);
