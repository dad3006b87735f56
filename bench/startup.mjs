#!/usr/bin/env node
// Start-up cost of the CLI, and cold vs warm `bench run`:
//   - `bench --version` and `bench --help` wall time (median of --repeat runs),
//   - a cold `bench run` (empty cache) then warm ones (every embedding cached) on Fashion-MNIST
//     test images with two prompt files, in a temporary --cache-dir and --out: wall times, their
//     ratio, the per-stage `run.timings` of results.json, and which heavy packages each run loaded.
// Usage: npm run build && node bench/startup.mjs [--model <dir>] [--limit 600] [--repeat 5] [--warm-runs 3]
//   --model defaults to the demo model of bench.config.json; the ViT-B/32-sized fixture:
//   /usr/bin/python3 tools/fixtures/make_fixture.py --preset vit-b-32 --out test/fixtures/generated/vit-b-32
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { configModel, fashionRunArgs, median, readResults, root, runBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: configModel() },
    limit: { type: 'string', default: '600' },
    repeat: { type: 'string', default: '5' },
    'warm-runs': { type: 'string', default: '3' },
  },
});
const model = path.resolve(root, values.model);
if (!existsSync(path.join(model, 'onnx/vision_model.onnx'))) {
  console.error(
    `no model at ${model}; the ViT-B/32-sized one is made with:\n  /usr/bin/python3 tools/fixtures/make_fixture.py --preset vit-b-32 --out test/fixtures/generated/vit-b-32`,
  );
  process.exit(2);
}
const prompts = ['prompts/basic.hbs', 'prompts/imagenet-80.hbs'];
const HEAVY = ['@huggingface/transformers', 'onnxruntime-node', 'sharp', 'vega', 'vega-lite', 'better-sqlite3', 'handlebars'];
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
const cacheDir = path.join(work, 'cache');
const moduleLog = path.join(work, 'modules.log');

/**
 * A resolve hook that appends every resolved URL to a file (hooks run on their own thread, so a
 * file is the simplest way out). Only the extra `--import` runs use it, never the timed ones: the
 * hook thread itself costs start-up time.
 */
writeFileSync(
  path.join(work, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(moduleLog)}, resolved.url + '\\n');
  return resolved;
}
`,
);
writeFileSync(
  path.join(work, 'register.mjs'),
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(work, 'hooks.mjs')).href)});\n`,
);
const hook = pathToFileURL(path.join(work, 'register.mjs')).href;

const s = (seconds) => `${seconds.toFixed(2)} s`;

function timed(args, { withHook = false } = {}) {
  return runBench(args, { nodeArgs: withHook ? ['--import', hook] : [] });
}

/** Heavy packages the last hooked run resolved (any file under node_modules/<package>/). */
function heavyLoaded() {
  const urls = existsSync(moduleLog) ? readFileSync(moduleLog, 'utf8').split('\n') : [];
  rmSync(moduleLog, { force: true });
  return HEAVY.filter((name) => urls.some((url) => url.includes(`/node_modules/${name}/`)));
}

function benchRun(label) {
  const out = path.join(work, label);
  const args = fashionRunArgs({ prompts, limit: values.limit, model, cacheDir, out });
  const { seconds } = timed(args);
  const results = readResults(out);
  return { seconds, args, timings: results.run.timings, cache: results.run.cache, acc1: results.promptSets.map((p) => p.metrics.acc1) };
}

const STAGES = [
  ['startup', 'start-up'],
  ['dataset', 'dataset'],
  ['modelLoad', 'model load'],
  ['textEmbedding', 'texts'],
  ['imageEmbedding', 'images'],
  ['metrics', 'metrics'],
  ['report', 'report'],
  ['total', 'total'],
];
function stages(timings) {
  if (timings === undefined) return '(no run.timings in results.json: built before they existed)';
  const parts = STAGES.map(([key, name]) => `${name} ${timings[key].toFixed(3)}`);
  return `${parts.join(' · ')} s; ${timings.imagesPerSecond ?? '-'} img/s`;
}

const repeat = Number(values.repeat);
console.log(`machine: ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
for (const flag of ['--version', '--help']) {
  const times = Array.from({ length: repeat }, () => timed([flag]).seconds);
  timed([flag], { withHook: true });
  const heavy = heavyLoaded();
  console.log(
    `bench ${flag}: median ${s(median(times))} of ${repeat} (min ${s(Math.min(...times))}); heavy packages loaded: ${heavy.join(', ') || 'none'}`,
  );
}
const bare = Array.from({ length: repeat }, () => {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  return Number(process.hrtime.bigint() - started) / 1e9;
});
console.log(`node -e 0 (the floor): median ${s(median(bare))}`);

console.log(`model: ${path.relative(root, model) || model}; ${values.limit} Fashion-MNIST test images; prompts: ${prompts.join(', ')}`);
const cold = benchRun('cold');
console.log(`cold: ${s(cold.seconds)} wall (${cold.cache.images.computed} images, ${cold.cache.texts.computed} prompts computed)`);
console.log(`  stages: ${stages(cold.timings)}`);
const warms = Array.from({ length: Number(values['warm-runs']) }, (_, i) => benchRun(`warm-${i}`));
for (const warm of warms) {
  if (JSON.stringify(warm.acc1) !== JSON.stringify(cold.acc1)) throw new Error('a warm run gave different numbers');
  if (warm.cache.images.computed + warm.cache.texts.computed > 0) throw new Error('a warm run computed embeddings; the cache missed');
}
const warm = warms.map((w) => w.seconds);
const typical = warms.find((w) => w.seconds === median(warm));
console.log(
  `warm: median ${s(median(warm))} wall of ${warms.length} (${warm.map((x) => x.toFixed(2)).join(', ')}; ${typical.cache.images.fromCache} images, ${typical.cache.texts.fromCache} prompts from the cache)`,
);
console.log(`  stages: ${stages(typical.timings)}`);
console.log(`cold / warm: ${(cold.seconds / median(warm)).toFixed(1)}×`);
timed([...typical.args.slice(0, -1), path.join(work, 'warm-hooked')], { withHook: true });
console.log(`heavy packages a warm run loads: ${heavyLoaded().join(', ') || 'none'}`);
rmSync(work, { recursive: true, force: true });
