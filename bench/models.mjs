#!/usr/bin/env node
// A run of several models: the demo model in fp32 and q8 and the tiny fixture on the bundled 1,000
// images. Prints how many images were decoded and preprocessed (once per preprocessing
// configuration) against what one model at a time would need, and each model's cost.
// Usage: npm run build && node bench/models.mjs [--limit 1000]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './lib.mjs';

const { values } = parseArgs({ options: { limit: { type: 'string', default: '1000' } } });
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-models-'));
const out = path.join(work, 'runs');
const models = ['models/fashion-clip-mini', 'models/fashion-clip-mini@q8', 'test/fixtures/tiny-clip'];
const { seconds } = runBench(
  [
    'run',
    '--prompts',
    'prompts/basic.hbs',
    '--model',
    ...models,
    '--limit',
    values.limit,
    '--cache-dir',
    path.join(work, 'cache'),
    '--out',
    out,
  ],
  { what: 'multi-model run' },
);
const [id] = readdirSync(out, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const results = JSON.parse(readFileSync(path.join(out, id, 'results.json'), 'utf8'));
const images = results.models[0].results.items.length + results.models[0].results.errors.length;
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`${models.length} models, ${images} images, ${seconds.toFixed(2)} s wall (cold cache)`);
console.log(
  `decoded + preprocessed: ${results.run.imagesPreprocessed} (once per preprocessing configuration); one model at a time: ${images * models.length}`,
);
for (const m of results.models) {
  const c = m.cost;
  console.log(
    `  ${m.key.padEnd(24)} ${String(c.imagesPerSecond?.toFixed(0) ?? 'cached').padStart(6)} img/s (vision tower)  load ${c.loadSeconds.toFixed(2)} s  ` +
      `${c.parameters} parameters  ${c.onnxBytes} bytes  acc1 ${(m.results.promptSets[0].metrics.acc1 * 100).toFixed(2)}%`,
  );
}
for (const d of results.dtypeChecks) {
  console.log(
    `dtype check ${d.dtype} vs fp32 (${d.promptSet}): top-1 agreement ${(d.top1Agreement * 100).toFixed(2)}%, ` +
      `image cosine min ${d.imageCosine.min.toFixed(4)}, speed ${d.speedRatio?.toFixed(2)}×`,
  );
}
