#!/usr/bin/env node
// What the embedding store costs (issue #19 item 7), SQLite against PostgreSQL on one machine.
// (a) Per batch of 32 keys × 512-dim float32 (seeded random), the three steps a worker does:
//     claim, put, get; median and p95 ms each, and what one client sustains. Then 8 clients (own
//     connections, this process) claiming and putting disjoint batches at once against PostgreSQL.
// (b) Coordination in the real CLI on the demo model and data, each case on a fresh store:
//     (i) one `bench run --threads 2` on SQLite, (ii) the same with --store postgres://…,
//     (iii) two `bench run --threads 1` started together on one PostgreSQL store.
// PostgreSQL is a throwaway server this script starts (tools/postgres/server.mjs, needs Debian's
// postgresql 15), or --url postgres://… on an existing one (a role that may CREATE DATABASE: each
// part gets a fresh database, dropped at the end).
// Usage: npm run build && node bench/store.mjs [--batches 300] [--clients 8] [--seconds 5]
//          [--url postgres://…] [--model models/fashion-clip-mini] [--limit n] [--repeats 3]
//          [--only store|cli]
// e.g. on a bigger model: node bench/store.mjs --only cli --model test/fixtures/generated/vit-b-32 --limit 500
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { postgresAvailable, startPostgres } from '../tools/postgres/server.mjs';
import { openEmbeddingStore } from '../dist/cache/stores.js';
import { newOwnerId } from '../dist/cache/owner.js';
import { CACHE_DIR_ENV, LEASE_ENV, STORE_ENV } from '../dist/cache/location.js';
import { configModel, median, readResults, root } from './lib.mjs';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '300' },
    clients: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    url: { type: 'string' },
    model: { type: 'string' },
    dataset: { type: 'string', default: 'datasets/fashion-mnist-1k' },
    prompts: { type: 'string', multiple: true },
    limit: { type: 'string' },
    threads: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const BATCH = 32;
const DIM = 512;
const BATCH_BYTES = BATCH * DIM * 4;
const LEASE_MS = 120_000;
const batches = Number(values.batches);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const threads = Number(values.threads);
const repeats = Number(values.repeats);
const model = path.resolve(root, values.model ?? configModel());
const dataset = path.resolve(root, values.dataset);
// README's first command.
const prompts = values.prompts ?? ['prompts/basic.hbs', 'prompts/imagenet-80.hbs'];
const parts = values.only === undefined ? ['store', 'cli'] : [values.only];
if (!parts.every((p) => p === 'store' || p === 'cli')) throw new Error('--only takes store or cli');
if (!existsSync(path.join(model, 'onnx/vision_model.onnx'))) {
  console.error(`no model at ${model}`);
  process.exit(2);
}
if (values.url === undefined && postgresAvailable() != null) {
  console.error(`${postgresAvailable()}; or pass --url postgres://… for an existing server`);
  process.exit(2);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
const server = values.url === undefined ? await startPostgres() : null;
const baseUrl = values.url ?? server.url;
/** Fresh databases made on the server, dropped at the end. */
const databases = [];

/** One SQL statement on a fresh connection to `url`; its rows. */
async function sql(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server, as a postgres:// URL. */
async function freshDatabase(label) {
  const name = `clipbench_bench_${process.pid}_${label}`;
  await sql(baseUrl, `CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function cleanUp() {
  for (const name of databases) await sql(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
}

// ---- formatting ---------------------------------------------------------------------------------

const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.95) - 1)];
const ms = (x) => `${x.toFixed(2)} ms`;
const pad = (s, n) => String(s).padEnd(n);
const rpad = (s, n) => String(s).padStart(n);

/** Prints rows of cells as aligned columns: the first left-aligned, the rest right-aligned. */
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const row of rows) console.log(`  ${row.map((c, i) => (i === 0 ? pad(c, widths[i]) : rpad(c, widths[i]))).join('  ')}`);
}

// ---- (a) the store itself ----------------------------------------------------------------------

/** mulberry32: a small seeded generator, so every run stores the same vectors. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys like the store's own (sha256 hex); `tag` keeps the batches of different clients and runs disjoint. */
const keyOf = (tag, batch, i) => createHash('sha256').update(`${tag}/${batch}/${i}`).digest('hex');

/** 64 distinct batches' worth of vectors, reused round-robin: their content does not change the cost. */
const vectorPool = (() => {
  const next = random(19);
  return Array.from({ length: 64 * BATCH }, () => Float32Array.from({ length: DIM }, () => next() * 2 - 1));
})();

function batchEntries(tag, batch) {
  return Array.from({ length: BATCH }, (_, i) => ({
    key: keyOf(tag, batch, i),
    kind: 'image',
    model: 'bench-store@fp32',
    vector: vectorPool[(batch * BATCH + i) % vectorPool.length],
    flags: 0,
  }));
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** One client, one batch after another: claim, put, get, each timed. */
async function perBatch(store, tag) {
  const owner = newOwnerId();
  const steps = { claim: [], put: [], get: [], total: [] };
  const warmup = 10;
  for (let b = 0; b < warmup + batches; b++) {
    const entries = batchEntries(tag, b);
    const keys = entries.map((e) => e.key);
    const t0 = now();
    const claimed = await store.claim(keys, owner, LEASE_MS);
    const t1 = now();
    await store.put(entries, owner);
    const t2 = now();
    const found = await store.get(keys);
    const t3 = now();
    if (claimed.length !== BATCH || found.size !== BATCH)
      throw new Error(`${store.location}: claimed ${claimed.length}, got ${found.size}`);
    if (b < warmup) continue;
    steps.claim.push(t1 - t0);
    steps.put.push(t2 - t1);
    steps.get.push(t3 - t2);
    steps.total.push(t3 - t0);
  }
  return steps;
}

/** `clients` stores on `url`, each claiming and putting its own batches for `seconds`. */
async function concurrent(url) {
  const stores = await Promise.all(Array.from({ length: clients }, () => openEmbeddingStore(url)));
  const done = new Array(clients).fill(0);
  const latencies = [];
  const until = now() + seconds * 1000;
  const started = now();
  await Promise.all(
    stores.map(async (store, c) => {
      const owner = newOwnerId();
      for (let b = 0; now() < until; b++) {
        const entries = batchEntries(`concurrent-${c}`, b);
        const t0 = now();
        const claimed = await store.claim(
          entries.map((e) => e.key),
          owner,
          LEASE_MS,
        );
        await store.put(entries, owner);
        latencies.push(now() - t0);
        if (claimed.length !== BATCH) throw new Error(`client ${c} claimed ${claimed.length} of a fresh batch`);
        done[c]++;
      }
    }),
  );
  const elapsed = (now() - started) / 1000;
  await Promise.all(stores.map((s) => s.close()));
  return { elapsed, done, latencies };
}

async function storePart() {
  console.log(
    `\n(a) store overhead per batch: ${batches} batches of ${BATCH} keys × ${DIM}-dim float32 (${BATCH_BYTES / 1024} KiB), one client`,
  );
  const sqlite = await openEmbeddingStore(path.join(work, 'sqlite-a'));
  const sqliteSteps = await perBatch(sqlite, 'a-sqlite');
  await sqlite.close();
  const postgres = await openEmbeddingStore(await freshDatabase('a'));
  const postgresSteps = await perBatch(postgres, 'a-postgres');
  await postgres.close();

  const rows = [['', 'claim p50', 'p95', 'put p50', 'p95', 'get p50', 'p95', 'batch p50', 'p95', 'batches/s', 'MB/s']];
  const sustained = {};
  for (const [name, steps] of [
    ['SQLite', sqliteSteps],
    ['PostgreSQL', postgresSteps],
  ]) {
    const perSecond = (steps.total.length / steps.total.reduce((a, b) => a + b, 0)) * 1000;
    sustained[name] = { perSecond, claimPut: steps.claim.map((c, i) => c + steps.put[i]) };
    rows.push([
      name,
      ...['claim', 'put', 'get', 'total'].flatMap((k) => [ms(median(steps[k])), ms(p95(steps[k]))]),
      perSecond.toFixed(0),
      ((perSecond * BATCH_BYTES) / 1e6).toFixed(1),
    ]);
  }
  table(rows);
  console.log('  (batches/s: claim+put+get in a row, one connection; MB/s: vector bytes stored per second at that pace)');

  const { elapsed, done, latencies } = await concurrent(await freshDatabase('concurrent'));
  const total = done.reduce((a, b) => a + b, 0);
  const oneClient = 1000 / (sustained.PostgreSQL.claimPut.reduce((a, b) => a + b, 0) / sustained.PostgreSQL.claimPut.length);
  console.log(
    `\n  PostgreSQL, ${clients} clients at once (each its own connection pool, in this process), claim+put of disjoint batches for ${elapsed.toFixed(1)} s:`,
  );
  console.log(
    `  ${(total / elapsed).toFixed(0)} batches/s = ${(total / elapsed).toFixed(0)} claims/s ` +
      `(${((total * BATCH) / elapsed).toFixed(0)} keys claimed/s, ${((total * BATCH_BYTES) / elapsed / 1e6).toFixed(1)} MB/s stored); ` +
      `claim+put p50 ${ms(median(latencies))}, p95 ${ms(p95(latencies))}; per client ${Math.min(...done)}–${Math.max(...done)} batches`,
  );
  console.log(
    `  one client alone: ${oneClient.toFixed(0)} claim+put/s, so ${clients} clients give ${(total / elapsed / oneClient).toFixed(1)}×`,
  );
}

// ---- (b) the real CLI ----------------------------------------------------------------------------

/** The environment of a child run: CI=1, and none of the settings that would point it elsewhere. */
const childEnv = { ...process.env, CI: '1', [STORE_ENV]: undefined, [CACHE_DIR_ENV]: undefined, [LEASE_ENV]: undefined };
delete childEnv.CLIPBENCH_HOLD_AFTER_BATCHES;

/** Starts `bench run`; resolves with its out folder when it exits 0, rejects with its stderr otherwise. */
function startRun(label, { store, threadCount }) {
  const out = path.join(work, label, 'out');
  const args = ['bin/bench.js', 'run', '--prompts', ...prompts, '--dataset', dataset, '--model', model];
  args.push('--threads', String(threadCount), '--cache-dir', path.join(work, label, 'cache'), '--out', out);
  if (store !== undefined) args.push('--store', store);
  if (values.limit !== undefined) args.push('--limit', values.limit);
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${label} failed (exit ${code}):\n${stderr}`))));
  });
}

/** Runs the processes of one case together; wall seconds until the last exits, and each one's results.json. */
async function runCase(label, runs) {
  const started = now();
  const outs = await Promise.all(runs.map((r, i) => startRun(`${label}-${i}`, r)));
  return { wall: (now() - started) / 1000, results: outs.map(readResults) };
}

async function cliPart() {
  const half = Math.max(1, Math.floor(threads / 2));
  const cases = [
    { key: 'i', what: `1 process, --threads ${threads}, SQLite`, runs: async () => [{ threadCount: threads }] },
    {
      key: 'ii',
      what: `1 process, --threads ${threads}, PostgreSQL`,
      runs: async (n) => [{ threadCount: threads, store: await freshDatabase(`ii_${n}`) }],
    },
    {
      key: 'iii',
      what: `2 processes, --threads ${half} each, one PostgreSQL`,
      runs: async (n) => {
        const store = await freshDatabase(`iii_${n}`);
        return [
          { threadCount: half, store },
          { threadCount: half, store },
        ];
      },
    },
  ];
  const measured = {};
  // Rounds interleave the cases, so a change in the machine's load falls on all three alike.
  for (let n = 0; n < repeats; n++) {
    for (const c of cases) (measured[c.key] ??= []).push(await runCase(`${c.key}-${n}`, await c.runs(n)));
  }
  const first = measured.i[0].results[0];
  const images = first.run.dataset.itemCount;
  const texts = first.run.cache.texts.computed;
  console.log(
    `\n(b) bench run on ${path.relative(root, model) || model}, ${images} images of ${path.relative(root, dataset)}, ` +
      `${texts} prompts (${prompts.join(' ')}); every case on a fresh store, so all is computed; median of ${repeats}`,
  );
  const rows = [['case', 'wall', 'images/s', 'embedding stages', 'all walls']];
  const wall = {};
  for (const c of cases) {
    const runs = measured[c.key];
    wall[c.key] = median(runs.map((r) => r.wall));
    // Texts plus images of the process that took longer; median over the repeats.
    const embedding = median(
      runs.map((r) => Math.max(...r.results.map((x) => x.run.timings.textEmbedding + x.run.timings.imageEmbedding))),
    );
    rows.push([
      `(${c.key}) ${c.what}`,
      `${wall[c.key].toFixed(2)} s`,
      (images / wall[c.key]).toFixed(0),
      `${embedding.toFixed(2)} s`,
      runs.map((r) => r.wall.toFixed(2)).join(' '),
    ]);
  }
  table(rows);
  console.log('  (wall: start to exit of the last process; embedding stages: texts + images in results.json, the longer process)');
  console.log(`  (iii) / (ii): ${(wall.iii / wall.ii).toFixed(2)}×   (ii) / (i): ${(wall.ii / wall.i).toFixed(2)}×`);
  console.log('  how (iii) split the work (images, prompts computed by each process; the rest it read from the store):');
  for (const [n, run] of measured.iii.entries()) {
    const counts = run.results.map((r) => r.run.cache);
    const imagesComputed = counts.map((c) => c.images.computed);
    const textsComputed = counts.map((c) => c.texts.computed);
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    const twice = sum(imagesComputed) - images + (sum(textsComputed) - texts);
    console.log(
      `    round ${n + 1}: images ${imagesComputed.join(' + ')} = ${sum(imagesComputed)} of ${images}, ` +
        `prompts ${textsComputed.join(' + ')} = ${sum(textsComputed)} of ${texts}` +
        (twice > 0 ? `; ${twice} computed twice` : '; nothing computed twice'),
    );
  }
}

// ---- main ----------------------------------------------------------------------------------------

try {
  const [{ version }] = await sql(baseUrl, 'SELECT version()');
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  console.log(`PostgreSQL: ${version.split(',')[0]} (${server ? 'a throwaway server this script started' : 'the server at --url'})`);
  const startLoad = os.loadavg()[0];
  console.log(`load average at start: ${load()}`);
  if (parts.includes('store')) await storePart();
  if (parts.includes('cli')) await cliPart();
  const busy =
    Math.max(startLoad, os.loadavg()[0]) > 1.5 ? ' (above 1.5 at the start or the end: these figures were taken under load)' : '';
  console.log(`\nload average at the end: ${load()}${busy}`);
} finally {
  await cleanUp();
}
