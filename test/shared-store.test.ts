import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddingStore } from '../src/cache/index.js';
import type { Results } from '../src/results/schema.js';
import { DEMO_DATASET, ROOT, runDirs, tempDir } from './helpers.js';
import { postgresAvailable, startPostgres, type PostgresServer } from './postgresServer.js';

/**
 * Several `bench run` processes sharing one PostgreSQL store (issue #19, item 5), driven as users
 * drive them: real processes, real signals, a real server restarted under a run.
 */
const unavailable = postgresAvailable();
if (unavailable !== null) console.warn(`skipping the shared-store tests: ${unavailable}`);

const BIN = path.join(ROOT, 'bin/bench.js');
const DEMO_MODEL = path.join(ROOT, 'models/fashion-clip-mini');
const HOLD_ENV = 'CLIPBENCH_HOLD_AFTER_BATCHES';
/** URL-special characters, so masking has to parse the URL rather than cut at the first `@`. */
const PASSWORD = 'sh4red:st0re@pw/9137';

/** Images of the concurrent scenarios: enough batches that three workers starting together all get some. */
const LIMIT = 1000;
const BATCH = 16;
/** Images of the scenarios that only count cache hits. */
const SMALL = 200;

/** A child's environment: none of the caller's ClipBench or libpq settings steer it. */
const BASE_ENV: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(CLIPBENCH_|PG)/.test(e[0])),
  ),
  CI: '1',
};

interface Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The exit code, or -1 when a signal ended the process. */
  readonly exited: Promise<number>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Every process started here: their output is searched for the password, and afterAll kills stragglers. */
const workers: Worker[] = [];

function spawnBench(args: readonly string[], env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  // 'close', not 'exit': all output has been read by then.
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : -2))));
  if (child.pid === undefined) throw new Error(`could not start ${BIN}`);
  const worker = { child, pid: child.pid, exited, stdout: () => stdout, stderr: () => stderr };
  workers.push(worker);
  return worker;
}

/** Runs the CLI to the end; a failed command is the caller's to check. */
async function bench(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const w = spawnBench(args, env);
  const code = await w.exited;
  return { code, stdout: w.stdout(), stderr: w.stderr() };
}

/** Every --out folder written here: searched for the password at the end. */
const outs: string[] = [];

function newOut(): string {
  const out = tempDir('shared-reports-');
  outs.push(out);
  return out;
}

/** `bench run` of the demo model on the first `limit` demo images; `store` null for the local cache alone. */
function runArgs(o: { store: string | null; cache: string; out: string; limit?: number; model?: string }): string[] {
  return [
    'run',
    '--prompts',
    'prompts/basic.hbs',
    '--model',
    o.model ?? DEMO_MODEL,
    '--dataset',
    DEMO_DATASET,
    '--limit',
    String(o.limit ?? LIMIT),
    '--batch-size',
    String(BATCH),
    '--threads',
    '1',
    '--cache-dir',
    o.cache,
    '--out',
    o.out,
    ...(o.store === null ? [] : ['--store', o.store]),
  ];
}

function latestResults(out: string): Results {
  return JSON.parse(readFileSync(path.join(out, runDirs(out).at(-1)!, 'results.json'), 'utf8')) as Results;
}

/** What must be identical between runs however their embeddings were shared: every number and every prediction. */
function scores(results: Results): unknown {
  return {
    sets: results.promptSets.map((s) => [s.name, s.metrics, s.perClass, s.confusion]),
    items: results.items,
    errors: results.errors,
  };
}

/** Resolves once `condition` holds; fails at once if one of `watched` exits first, since then it may never. */
async function waitFor(
  condition: () => Promise<boolean> | boolean,
  watched: readonly Worker[],
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    const gone = watched.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (gone)
      throw new Error(
        `waiting for ${what}: pid ${gone.pid} exited (${gone.child.exitCode ?? gone.child.signalCode}) first:\n${gone.stderr()}`,
      );
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${what}:\n${watched.map((w) => w.stderr()).join('\n---\n')}`);
    await sleep(50);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A database of its own for a scenario, so no two share an entry. */
interface Database {
  readonly name: string;
  readonly url: string;
  /** How ClipBench must show `url`. */
  readonly masked: string;
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Rows of clipbench_embeddings matching `where` (0 before a run has made the table). */
  count(where?: string, params?: readonly unknown[]): Promise<number>;
}

describe.skipIf(unavailable !== null)('bench run on a shared PostgreSQL store', () => {
  let server: PostgresServer;
  let databases = 0;
  /** The run alone (scenario 1): what every shared run must reproduce. */
  let reference: Results | undefined;
  /** Distinct images and prompts of a LIMIT-image run: what the store ends up holding. */
  let images = 0;
  let prompts = 0;

  beforeAll(async () => {
    server = await startPostgres({ password: PASSWORD });
  }, 90_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await server?.stop();
  });

  async function freshDatabase(): Promise<Database> {
    const name = `scenario_${++databases}`;
    await server.query(`CREATE DATABASE ${name}`);
    const url = server.url.replace(/\/clipbench$/, `/${name}`);
    const query = async <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, [...params])).rows as T[];
      } finally {
        await client.end();
      }
    };
    const count = async (where = 'true', params: readonly unknown[] = []): Promise<number> => {
      try {
        const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM clipbench_embeddings WHERE ${where}`, params);
        return row!.n;
      } catch (error) {
        if ((error as { code?: string }).code === '42P01') return 0; // no table yet
        throw error;
      }
    };
    return { name, url, masked: `postgres://clipbench:***@127.0.0.1:${server.port}/${name}`, query, count };
  }

  /** Rows per owner pid (owners are host/pid/nonce) and kind. */
  async function computedBy(db: Database): Promise<Map<string, number>> {
    const rows = await db.query<{ computed_by: string; kind: string; n: number }>(
      'SELECT computed_by, kind, count(*)::int AS n FROM clipbench_embeddings GROUP BY computed_by, kind',
    );
    return new Map(rows.map((r) => [`${r.computed_by.split('/')[1]}:${r.kind}`, r.n]));
  }

  async function claimsLeft(db: Database): Promise<number> {
    return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM clipbench_claims'))[0]!.n;
  }

  it('three workers started together split the work, compute each image once, and score exactly as a run alone', async () => {
    const alone = await freshDatabase();
    const refOut = newOut();
    const ref = await bench(runArgs({ store: alone.url, cache: tempDir('shared-cache-'), out: refOut }));
    expect(ref.code, ref.stderr).toBe(0);
    reference = latestResults(refOut);
    ({ computed: images } = reference.run.cache.images);
    ({ computed: prompts } = reference.run.cache.texts);
    expect(reference.run.cache).toEqual({
      location: alone.masked,
      images: { fromCache: 0, computed: LIMIT },
      texts: { fromCache: 0, computed: prompts },
    });
    expect(prompts).toBeGreaterThan(0);
    expect(await alone.count()).toBe(images + prompts);

    const db = await freshDatabase();
    const outs3 = [newOut(), newOut(), newOut()];
    const three = outs3.map((out) => spawnBench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out })));
    const codes = await Promise.all(three.map((w) => w.exited));
    expect(codes, three.map((w) => w.stderr()).join('\n---\n')).toEqual([0, 0, 0]);
    const results = outs3.map(latestResults);
    for (const r of results) {
      expect(scores(r)).toEqual(scores(reference));
      expect(r.run.cache.location).toBe(db.masked);
    }
    const computed = results.map((r) => r.run.cache.images.computed);
    // Each image computed by exactly one worker, and the work really was split.
    expect(computed.reduce((a, b) => a + b, 0)).toBe(images);
    expect(computed.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(results.map((r) => r.run.cache.texts.computed).reduce((a, b) => a + b, 0)).toBe(prompts);
    // The store agrees: each worker's rows are what it says it computed, and nobody else wrote any.
    const byOwner = await computedBy(db);
    const expected = new Map<string, number>();
    three.forEach((w, i) => {
      if (computed[i]! > 0) expected.set(`${w.pid}:image`, computed[i]!);
      if (results[i]!.run.cache.texts.computed > 0) expected.set(`${w.pid}:text`, results[i]!.run.cache.texts.computed);
    });
    expect(byOwner).toEqual(expected);
    expect(await claimsLeft(db)).toBe(0);
  }, 120_000);

  it('a worker killed with SIGKILL holding claims: they lapse after the lease and the others compute them, once', async () => {
    expect(reference, 'needs the reference run of the first test').toBeDefined();
    const db = await freshDatabase();
    const lease = { CLIPBENCH_LEASE_SECONDS: '3' };
    // The victim starts first so it is sure to get batches; it stores two, then holds (renewing) the
    // claims of the batches it prepared ahead.
    const victim = spawnBench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out: newOut() }), { ...lease, [HOLD_ENV]: '2' });
    const victimClaims = async (): Promise<number> => {
      const rows = await db
        .query<{ n: number }>("SELECT count(*)::int AS n FROM clipbench_claims WHERE owner LIKE '%/' || $1 || '/%'", [victim.pid])
        .catch(() => [{ n: 0 }]); // no table yet
      return rows[0]!.n;
    };
    await waitFor(async () => (await victimClaims()) > 0, [victim], 'the victim to claim a batch');
    const survivorOuts = [newOut(), newOut()];
    const survivors = survivorOuts.map((out) => spawnBench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out }), lease));
    const byVictim = `computed_by LIKE '%/' || $1 || '/%'`;
    await waitFor(async () => (await db.count(byVictim, [victim.pid])) >= 2 * BATCH, [victim], 'the victim to store 2 batches');
    // The survivors compute everything else, then wait on the victim's claims, which it keeps
    // renewing: each says so on stderr (a line every 10 s in a pipe, so this takes ~10 s).
    const waitingLine = /images \d+\/\d+ .*— waiting on (\d+) batch(?:es)? held by other workers/;
    await waitFor(() => survivors.every((s) => waitingLine.test(s.stderr())), [victim, ...survivors], 'both survivors to wait', 40_000);
    const held = await db.query<{ owner: string }>("SELECT DISTINCT owner FROM clipbench_claims WHERE owner LIKE '%/' || $1 || '/%'", [
      victim.pid,
    ]);
    expect(held).toHaveLength(1);
    const victimOwner = held[0]!.owner;

    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe(-1);
    await sleep(300); // a renewal the victim had sent just before dying has landed
    // Its claims as they stood at its death: the lease is what frees them, not the kill.
    await db.query('CREATE TABLE held_at_kill AS SELECT key, expires_at FROM clipbench_claims WHERE owner = $1', [victimOwner]);
    const [{ n: heldKeys } = { n: 0 }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM held_at_kill');
    expect(heldKeys).toBeGreaterThan(0);
    expect(heldKeys).toBeLessThanOrEqual(2 * BATCH); // at most the two batches prepared ahead
    expect(await db.count("kind = 'image'")).toBe(images - heldKeys); // all else is stored: only the victim's batches were missing
    // At least the victim's batches (a line printed while the other survivor still had one in flight counts that too).
    for (const s of survivors) expect(Number(waitingLine.exec(s.stderr())![1])).toBeGreaterThanOrEqual(Math.ceil(heldKeys / BATCH));

    const codes = await Promise.all(survivors.map((s) => s.exited));
    expect(codes, survivors.map((s) => s.stderr()).join('\n---\n')).toEqual([0, 0]);
    const results = survivorOuts.map(latestResults);
    for (const r of results) expect(scores(r)).toEqual(scores(reference!));
    const stored = await db.count(byVictim, [victim.pid]);
    expect(stored).toBe(2 * BATCH);
    const computed = results.map((r) => r.run.cache.images.computed);
    // The lost batches were recomputed exactly once: nothing missing, nothing twice.
    expect(computed[0]! + computed[1]! + stored).toBe(images);
    expect(computed[0]! + computed[1]! + stored).toBeLessThanOrEqual(images + 3 * BATCH);
    const byOwner = await computedBy(db);
    survivors.forEach((s, i) => expect(byOwner.get(`${s.pid}:image`) ?? 0).toBe(computed[i]));
    // Every key it held was taken over by a survivor, and only once its lease had run out.
    const [takeover] = await db.query<{ taken: number; by_survivor: number; after_lease: number }>(
      `SELECT count(*)::int AS taken,
              count(*) FILTER (WHERE split_part(e.computed_by, '/', 2) = ANY($1::text[]))::int AS by_survivor,
              count(*) FILTER (WHERE e.created_at > h.expires_at)::int AS after_lease
       FROM held_at_kill h JOIN clipbench_embeddings e USING (key)`,
      [survivors.map((s) => String(s.pid))],
    );
    expect(takeover).toEqual({ taken: heldKeys, by_survivor: heldKeys, after_lease: heldKeys });
    expect(await claimsLeft(db)).toBe(0);
  }, 120_000);

  it('a server restart mid-run: the run retries, finishes with the same scores, and every stored row is intact', async () => {
    expect(reference, 'needs the reference run of the first test').toBeDefined();
    const db = await freshDatabase();
    const out = newOut();
    const run = spawnBench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out }));
    await waitFor(async () => (await db.count("kind = 'image'")) >= 2 * BATCH, [run], 'the first batches');
    // Pins the run on its next statement, so the restart surely lands mid-run with a statement in flight.
    const locker = new pg.Client({ connectionString: db.url });
    locker.on('error', () => undefined); // the restart ends this session
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE clipbench_embeddings IN ACCESS EXCLUSIVE MODE');
    await waitFor(
      async () => {
        const [row] = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'clipbench' AND wait_event_type = 'Lock'",
          [db.name],
        );
        return row!.n > 0;
      },
      [run],
      'the run to block on the lock',
    );
    await server.restart();
    void locker.end().catch(() => undefined);

    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(new RegExp(`warning: embedding store ${escapeRegExp(db.masked)}: .*; retrying for up to 60 s`));
    const results = latestResults(out);
    expect(scores(results)).toEqual(scores(reference!));
    expect(results.run.cache).toEqual({
      location: db.masked,
      images: { fromCache: 0, computed: images },
      texts: { fromCache: 0, computed: prompts },
    });
    // Every row passes its checksum when read back (a damaged one would be dropped, not returned).
    const keys = (await db.query<{ key: string }>('SELECT key FROM clipbench_embeddings')).map((r) => r.key);
    expect(keys).toHaveLength(images + prompts);
    const store = await openEmbeddingStore(db.url);
    try {
      expect((await store.get(keys)).size).toBe(keys.length);
    } finally {
      await store.close();
    }
    const stats = await bench(['cache', 'stats', '--store', db.url]);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(new RegExp(`image\\s+${images}\\s`));
    expect(await claimsLeft(db)).toBe(0);
  }, 120_000);

  it('a copy of the model folder elsewhere hits the entries the original computed', async () => {
    const db = await freshDatabase();
    const modelA = path.join(tempDir('shared-model-a-'), 'fashion-clip-mini');
    const modelB = path.join(tempDir('shared-model-b-'), 'nested', 'my-copy');
    cpSync(DEMO_MODEL, modelA, { recursive: true });
    cpSync(DEMO_MODEL, modelB, { recursive: true });
    const [outA, outB] = [newOut(), newOut()];
    const a = await bench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out: outA, limit: SMALL, model: modelA }));
    expect(a.code, a.stderr).toBe(0);
    const first = latestResults(outA);
    expect(first.run.cache.images).toEqual({ fromCache: 0, computed: SMALL });
    expect(first.run.cache.texts).toEqual({ fromCache: 0, computed: prompts });
    const b = await bench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out: outB, limit: SMALL, model: modelB }));
    expect(b.code, b.stderr).toBe(0);
    const second = latestResults(outB);
    expect(second.run.model.id).toBe(modelB);
    expect(second.run.cache).toEqual({
      location: db.masked,
      images: { fromCache: SMALL, computed: 0 },
      texts: { fromCache: prompts, computed: 0 },
    });
    expect(scores(second)).toEqual(scores(first));
  }, 90_000);

  it('cache push and pull copy between a local cache and the shared store, and a second push copies nothing', async () => {
    const db = await freshDatabase();
    const [x, y] = [tempDir('shared-cache-x-'), tempDir('shared-cache-y-')];
    const entries = SMALL + prompts;
    const filled = newOut();
    const local = await bench(runArgs({ store: null, cache: x, out: filled, limit: SMALL }));
    expect(local.code, local.stderr).toBe(0);
    const baseline = latestResults(filled);
    expect(baseline.run.cache).toEqual({
      location: path.join(x, 'embeddings.sqlite'),
      images: { fromCache: 0, computed: SMALL },
      texts: { fromCache: 0, computed: prompts },
    });

    const push = await bench(['cache', 'push', '--to', db.url, '--cache-dir', x]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toBe(
      `copied ${entries} embedding(s) from ${path.join(x, 'embeddings.sqlite')} to ${db.masked}; 0 were there already\n`,
    );
    expect(await db.count()).toBe(entries);

    const fromStore = newOut();
    const shared = await bench(runArgs({ store: db.url, cache: tempDir('shared-cache-'), out: fromStore, limit: SMALL }));
    expect(shared.code, shared.stderr).toBe(0);
    expect(latestResults(fromStore).run.cache).toEqual({
      location: db.masked,
      images: { fromCache: SMALL, computed: 0 },
      texts: { fromCache: prompts, computed: 0 },
    });

    const pull = await bench(['cache', 'pull', '--from', db.url, '--cache-dir', y]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toBe(
      `copied ${entries} embedding(s) from ${db.masked} to ${path.join(y, 'embeddings.sqlite')}; 0 were there already\n`,
    );
    const fromPulled = newOut();
    const pulled = await bench(runArgs({ store: null, cache: y, out: fromPulled, limit: SMALL }));
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(latestResults(fromPulled).run.cache).toEqual({
      location: path.join(y, 'embeddings.sqlite'),
      images: { fromCache: SMALL, computed: 0 },
      texts: { fromCache: prompts, computed: 0 },
    });
    for (const out of [fromStore, fromPulled]) expect(scores(latestResults(out))).toEqual(scores(baseline));

    const again = await bench(['cache', 'push', '--to', db.url, '--cache-dir', x]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(
      `copied 0 embedding(s) from ${path.join(x, 'embeddings.sqlite')} to ${db.masked}; ${entries} were there already\n`,
    );
  }, 90_000);

  // Last, so that it can search what every other scenario wrote.
  it('a wrong password exits 2 without echoing it, and no output of any run shows the real one', async () => {
    const wrong = await bench(
      runArgs({ store: server.urlWith('wrong-pass-123'), cache: tempDir('shared-cache-'), out: newOut(), limit: SMALL }),
    );
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(wrong.stderr).toContain(`postgres://clipbench:***@127.0.0.1:${server.port}/clipbench`);
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-pass-123');

    const secrets = [PASSWORD, encodeURIComponent(PASSWORD), 'st0re@pw'];
    const files = outs.flatMap((out) => listFiles(out));
    const resultsFiles = files.filter((f) => path.basename(f) === 'results.json');
    const reports = files.filter((f) => path.basename(f) === 'index.html');
    // Scenarios 1, 2, 5 and 6 wrote 11 (9 of them on the store), scenario 3 one more; the wrong password's run none.
    expect(resultsFiles.length).toBeGreaterThanOrEqual(11);
    expect(reports.length).toBe(resultsFiles.length);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of secrets) expect(text, file).not.toContain(secret);
    }
    for (const file of resultsFiles) {
      const { location } = (JSON.parse(readFileSync(file, 'utf8')) as Results).run.cache;
      if (location?.startsWith('postgres://')) expect(readFileSync(file, 'utf8'), file).toContain('clipbench:***@');
    }
    expect(resultsFiles.filter((f) => readFileSync(f, 'utf8').includes('***')).length).toBeGreaterThanOrEqual(9);
    for (const w of workers) for (const secret of secrets) expect(w.stdout() + w.stderr()).not.toContain(secret);
  }, 60_000);
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? listFiles(file) : [file];
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
