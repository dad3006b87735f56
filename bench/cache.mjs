#!/usr/bin/env node
// Cold vs warm `bench run` with the embedding cache: ViT-B/32-sized fixture, 2,000 Fashion-MNIST
// test images, three prompt files. Prints wall times, their ratio, and where the warm time goes.
// Usage: npm run build && node bench/cache.mjs [--limit 2000] [--model test/fixtures/generated/vit-b-32]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fashionRunArgs, readResults, root, runBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '2000' },
    model: { type: 'string', default: 'test/fixtures/generated/vit-b-32' },
  },
});
const model = path.resolve(root, values.model);
if (!existsSync(path.join(model, 'onnx/vision_model.onnx'))) {
  console.error(`no model at ${model}; generate it with:\n  /usr/bin/python3 tools/fixtures/make_fixture.py --preset vit-b-32`);
  process.exit(2);
}
const prompts = ['prompts/basic.hbs', 'prompts/imagenet-80.hbs', 'prompts/fashion-catalogue.hbs'];
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'));
const cacheDir = path.join(work, 'cache');

function run(label) {
  const out = path.join(work, label);
  const { seconds } = runBench(fashionRunArgs({ prompts, limit: values.limit, model, cacheDir, out }), { what: `${label} run` });
  const results = readResults(out);
  return {
    wallMs: seconds * 1000,
    inRunMs: results.run.durationMs,
    cache: results.run.cache,
    acc1: results.promptSets.map((s) => s.metrics.acc1),
  };
}

function bareStartMs() {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['--input-type=module', '-e', "await import('./dist/cli/main.js')"], { cwd: root });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const cold = run('cold');
const warm = run('warm');
const start = bareStartMs();
if (JSON.stringify(cold.acc1) !== JSON.stringify(warm.acc1)) throw new Error('warm run gave different numbers');
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`model: ${path.relative(root, model)}; ${values.limit} Fashion-MNIST test images; prompts: ${prompts.join(', ')}`);
console.log(`cold: ${s(cold.wallMs)} wall (${cold.cache.images.computed} images, ${cold.cache.texts.computed} prompts computed)`);
console.log(`warm: ${s(warm.wallMs)} wall (${warm.cache.images.fromCache} images, ${warm.cache.texts.fromCache} prompts from the cache)`);
console.log(`cold / warm: ${(cold.wallMs / warm.wallMs).toFixed(1)}×`);
console.log(
  `warm split: the run itself ${s(warm.inRunMs)} (dataset, hashing, cache lookups, metrics, results.json); ` +
    `outside it ${s(warm.wallMs - warm.inRunMs)}: process start and module loading (a bare CLI import alone: ${s(start)}), ` +
    'the HTML report with its thumbnails, the paired statistics table and the history line',
);
rmSync(work, { recursive: true, force: true });
