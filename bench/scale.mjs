#!/usr/bin/env node
// Does the cost per image depend on how many images a run has? (issue 12, item 6)
// Runs `bench run --no-cache` on 1,000, 10,000 and 60,000 Fashion-MNIST train images with the demo
// model, each in a fresh process (plus a 200-image run, see CPU ms/image), and prints per size:
// wall time, image-embedding time, images/s, CPU ms per image and peak RSS, each also against the
// smallest size, with the goals: images/s within 10% of each other, peak RSS of the largest run at
// most 1.3× the smallest's.
//   images/s: (N − 200) / (`run.timings.imageEmbedding` − the 200-image run's), per image beyond
//     the fixed cost every run pays once (worker start, first batches); from a build without
//     run.timings, (N − 200) / (wall − the 200-image run's wall). The stage includes a little that
//     does not grow with N (the worker thread's start, the first inference), felt at 1k only.
//   CPU ms/image: (process CPU time, all threads, at N − at 200) / (N − 200): start-up, loading and
//     the report's gallery (full at 200) taken out. Other work on a shared machine moves wall time
//     a lot and CPU time little, so this is the figure to trust when the load average printed at
//     the start and end is above the core count.
//   peak RSS: the child's getrusage maxrss (process.resourceUsage().maxRSS), written by a small
//     --import hook as it exits; it covers every thread (the preprocessing workers too), like
//     /usr/bin/time's %M, without needing that installed.
// Every run loads the whole split (the subset is picked from it), so the 47 MB of train pixels are
// in every size's RSS; what may grow with N is the per-image work and what is kept per image.
// Usage: npm run build && node bench/scale.mjs [--sizes 1000,10000,60000] [--split train]
//        [--model <dir>] [--repeat 1]   (quick: --sizes 1000,10000; the default takes ~1–2 minutes
//        per repeat on 2 cores)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configModel, median, readResults, runBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,60000' },
    split: { type: 'string', default: 'train' },
    model: { type: 'string', default: configModel() },
    repeat: { type: 'string', default: '1' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const BASE = 200;
if (sizes.some((n) => !Number.isSafeInteger(n) || n <= BASE))
  throw new Error(`--sizes: whole numbers above ${BASE}, comma-separated (got ${values.sizes})`);
const repeat = Number(values.repeat);
const RATE_SPREAD = 1.1;
const RSS_RATIO = 1.3;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
const exitHook = path.join(work, 'usage.mjs');
writeFileSync(
  exitHook,
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.SCALE_USAGE_FILE, JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime }));
});
`,
);

let runs = 0;
function benchRun(limit) {
  const label = `run-${++runs}`;
  const out = path.join(work, label);
  const usageFile = path.join(work, `${label}.json`);
  const args = [
    'run',
    '--dataset',
    'fashion-mnist',
    '--split',
    values.split,
    '--limit',
    String(limit),
    '--model',
    values.model,
    '--prompts',
    'prompts/basic.hbs',
    '--no-cache',
    '--out',
    out,
  ];
  const { seconds: wall } = runBench(args, {
    nodeArgs: ['--import', exitHook],
    env: { SCALE_USAGE_FILE: usageFile },
    what: `bench run --limit ${limit}`,
  });
  const results = readResults(out);
  if (results.items.length !== limit) throw new Error(`asked for ${limit} images, results.json has ${results.items.length}`);
  rmSync(out, { recursive: true, force: true });
  const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
  const embedding = results.run.timings?.imageEmbedding;
  return { wall, embedding: typeof embedding === 'number' ? embedding : undefined, rssMb: usage.maxRssKb / 1024, cpu: usage.cpuUs / 1e6 };
}

console.log(
  `machine: ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at start`,
);
console.log(
  `model: ${values.model}; Fashion-MNIST ${values.split} split; prompts/basic.hbs; --no-cache; median of ${repeat} run(s) per size`,
);

// Rounds of every size in turn (and the BASE-image run), not each size's repeats back to back: on a
// shared machine load comes and goes, and interleaving spreads it over the sizes.
const runsBySize = new Map([BASE, ...sizes].map((n) => [n, []]));
for (let r = 0; r < repeat; r++) for (const n of runsBySize.keys()) runsBySize.get(n).push(benchRun(n));
const fixedOf = (key) => median(runsBySize.get(BASE).map((t) => t[key]));
const timed = [...runsBySize.values()].flat().every((t) => t.embedding !== undefined);
const fixed = { wall: fixedOf('wall'), cpu: fixedOf('cpu'), embedding: timed ? fixedOf('embedding') : 0 };
const rows = sizes.map((n) => {
  const tries = runsBySize.get(n);
  const wall = median(tries.map((t) => t.wall));
  const seconds = timed ? median(tries.map((t) => t.embedding)) : ((wall - fixed.wall) * n) / (n - BASE);
  const cpuMs = ((median(tries.map((t) => t.cpu)) - fixed.cpu) * 1000) / (n - BASE);
  // Marginal: the images beyond a BASE-image run over the time beyond its stage, so what every run
  // pays once (the worker threads' start, filling the pipeline) does not count against small runs.
  const rate = timed ? (n - BASE) / (seconds - fixed.embedding) : n / seconds;
  return { n, wall, seconds, rate, cpuMs, rssMb: median(tries.map((t) => t.rssMb)) };
});
console.log(
  timed
    ? `images/s: (N − ${BASE}) / (run.timings.imageEmbedding − a ${BASE}-image run's ${fixed.embedding.toFixed(2)} s)`
    : `no run.timings in results.json: images/s is (N − ${BASE}) / (wall − a ${BASE}-image run's ${fixed.wall.toFixed(2)} s)`,
);
console.log(
  `CPU ms/image: the process's CPU time, all threads, less a ${BASE}-image run's (${fixed.cpu.toFixed(2)} s), per image beyond ${BASE}`,
);

const base = rows[0];
const ratio = (a, b) => (a / b).toFixed(2);
const table = [
  [
    'images',
    'wall s',
    timed ? 'embedding s' : 'images s',
    'images/s',
    'CPU ms/image',
    'peak RSS MB',
    `images/s vs ${base.n}`,
    `CPU vs ${base.n}`,
    `RSS vs ${base.n}`,
  ],
  ...rows.map((r) =>
    [
      r.n,
      r.wall.toFixed(2),
      r.seconds.toFixed(2),
      r.rate.toFixed(0),
      r.cpuMs.toFixed(3),
      r.rssMb.toFixed(0),
      ratio(r.rate, base.rate),
      ratio(r.cpuMs, base.cpuMs),
      ratio(r.rssMb, base.rssMb),
    ].map(String),
  ),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));

const spread = (key) => Math.max(...rows.map((r) => r[key])) / Math.min(...rows.map((r) => r[key]));
const last = rows[rows.length - 1];
const verdict = (x, limit) => `${x.toFixed(2)} (${x <= limit ? 'met' : 'NOT met'})`;
console.log(
  `goal: images/s within ${Math.round((RATE_SPREAD - 1) * 100)}% of each other (fastest / slowest): ${verdict(spread('rate'), RATE_SPREAD)}; ` +
    `the same for CPU ms/image: ${verdict(spread('cpuMs'), RATE_SPREAD)}`,
);
console.log(`goal: peak RSS at ${last.n} ≤ ${RSS_RATIO}× of ${base.n}: ${verdict(last.rssMb / base.rssMb, RSS_RATIO)}`);
console.log(
  `load average ${os.loadavg()[0].toFixed(1)} at the end (wall-time rates are only comparable when it stayed near the core count)`,
);
rmSync(work, { recursive: true, force: true });
