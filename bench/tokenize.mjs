#!/usr/bin/env node
// Tokenizer throughput: the 80 ImageNet templates × 1,000 ImageNet class names of CLIP_benchmark
// (test/reference/clip-benchmark-en-*.json, 80,000 prompts, what an imagenet-80 run tokenizes),
// through ClipBench's CLIP tokenizer. Each repeat loads a fresh tokenizer, so no BPE cache is warm
// from the one before; prints the time and prompts/s of each and their median.
// (It was a test with a 3 s limit; a wall-clock limit on shared CI cores measures the machine as
// much as the code, so it is a measurement to run by hand instead.)
// Usage: npm run build && node bench/tokenize.mjs [--model <dir>] [--repeat 5]
//   --model: a folder with tokenizer.json (default: tools/fixtures/clip-tokenizer, the real CLIP one)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(root, 'tools/fixtures/clip-tokenizer') },
    repeat: { type: 'string', default: '5' },
  },
});
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`--repeat must be a positive whole number, not ${values.repeat}`);
  process.exit(2);
}
const { loadClipTokenizer } = await import(pathToFileURL(path.join(root, 'dist/model/loadTokenizer.js')).href);

const reference = (name) => JSON.parse(readFileSync(path.join(root, 'test/reference', name), 'utf8')).imagenet1k;
const templates = reference('clip-benchmark-en-templates.json');
const classes = reference('clip-benchmark-en-classnames.json');
const prompts = classes.flatMap((c) => templates.map((t) => t.replaceAll('{c}', c)));
console.log(
  `${templates.length} templates × ${classes.length} classes = ${prompts.length} prompts, tokenizer ${path.relative(process.cwd(), path.resolve(values.model)) || '.'}`,
);

const rates = [];
for (let i = 0; i < repeat; i++) {
  const tokenizer = await loadClipTokenizer(path.resolve(values.model), { localFilesOnly: true });
  const start = performance.now();
  const tokens = tokenizer.tokenize(prompts);
  const seconds = (performance.now() - start) / 1000;
  if (tokens.length !== prompts.length) throw new Error(`tokenize returned ${tokens.length} results for ${prompts.length} prompts`);
  rates.push(prompts.length / seconds);
  const truncated = tokens.filter((t) => t.truncated).length;
  console.log(
    `run ${i + 1}: ${seconds.toFixed(3)} s, ${Math.round(prompts.length / seconds).toLocaleString('en')} prompts/s (${truncated} cut at 77 tokens)`,
  );
}
const sorted = [...rates].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
console.log(`median: ${Math.round(median).toLocaleString('en')} prompts/s over ${repeat} run(s)`);
