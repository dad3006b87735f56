import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openEmbeddingStore, type EmbeddingStore } from '../src/cache/index.js';
import { vectorBytes } from '../src/cache/checksum.js';
import type { CacheEntry } from '../src/cache/types.js';
import { postgresAvailable, startPostgres, type PostgresServer } from './postgresServer.js';

const unavailable = postgresAvailable();
if (unavailable !== null) console.warn(`skipping the PostgreSQL store tests: ${unavailable}`);

const PASSWORD = 'pa:ss@w/rd-9137';

function entry(key: string, values: number[], model = 'mini@fp32'): CacheEntry {
  return { key, kind: 'image', model, vector: new Float32Array(values), flags: 0 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(unavailable !== null)('the PostgreSQL embedding store', () => {
  let server: PostgresServer;
  let store: EmbeddingStore;

  beforeAll(async () => {
    server = await startPostgres({ password: PASSWORD });
    store = await openEmbeddingStore(server.url);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('shows its location with the password masked', () => {
    expect(store.location).toBe(`postgres://clipbench:***@127.0.0.1:${server.port}/clipbench`);
    expect(store.location).not.toContain('w/rd');
  });

  it('stores vectors bit for bit, with their flags, and reports what it has', async () => {
    const odd = [Math.PI, -0, 1e-38, Number.MAX_VALUE > 1 ? 3.4e38 : 0, Number.NaN];
    await store.put([entry('v1', odd), { ...entry('v2', [1, 2]), kind: 'text', flags: 1 }], 'writer');
    const got = await store.get(['v1', 'v2', 'absent']);
    expect([...got.keys()].sort()).toEqual(['v1', 'v2']);
    expect(vectorBytes(got.get('v1')!.vector)).toEqual(vectorBytes(new Float32Array(odd)));
    expect(got.get('v2')!.flags).toBe(1);
    expect(await store.has(['v1', 'absent'])).toEqual(new Set(['v1']));
    const stats = await store.stats();
    expect(stats).toContainEqual({ model: 'mini@fp32', kind: 'image', entries: 1, bytes: 20 });
    expect(stats).toContainEqual({ model: 'mini@fp32', kind: 'text', entries: 1, bytes: 8 });
  });

  it('drops a vector whose checksum fails, so it is computed again', async () => {
    await store.put([entry('rotten', [1, 2, 3])], 'writer');
    await server.query("UPDATE clipbench_embeddings SET vector = set_byte(vector, 0, get_byte(vector, 0) # 1) WHERE key = 'rotten'");
    expect((await store.get(['rotten'])).size).toBe(0);
    expect(await store.has(['rotten'])).toEqual(new Set());
  });

  it('gives each key to one owner, lets a lapsed claim be taken over, and renews a live one', async () => {
    const keys = ['c1', 'c2', 'c3'];
    expect(await store.claim(keys.slice(0, 2), 'alice', 60_000)).toEqual(['c1', 'c2']);
    expect(await store.claim(keys, 'bob', 60_000)).toEqual(['c3']);
    // Her own claims are hers to take again (a retried call must not lose them).
    expect(await store.claim(['c1'], 'alice', 60_000)).toEqual(['c1']);
    await store.put([entry('c3', [3])], 'bob');
    expect(await store.claim(['c3'], 'carol', 60_000)).toEqual([]);

    expect(await store.claim(['short'], 'dave', 300)).toEqual(['short']);
    expect(await store.claim(['kept'], 'erin', 300)).toEqual(['kept']);
    await store.renew('erin', 60_000);
    await sleep(450);
    expect(await store.claim(['short', 'kept'], 'frank', 60_000)).toEqual(['short']);

    await store.release('alice', ['c2']);
    expect(await store.claim(['c1', 'c2'], 'bob', 60_000)).toEqual(['c2']);
    await store.release('alice');
    expect(await store.claim(['c1'], 'bob', 60_000)).toEqual(['c1']);
  });

  it('splits keys between owners claiming at the same instant: every key once, none twice', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `race-${i}`);
    const owners = Array.from({ length: 6 }, (_, i) => `w${i}`);
    const others = await Promise.all(owners.map(() => openEmbeddingStore(server.url)));
    try {
      // Each owner walks the keys in its own order, in windows of 40, as workers do.
      const taken = await Promise.all(
        others.map(async (s, w) => {
          const order = w % 2 === 0 ? keys : [...keys].reverse();
          const mine: string[] = [];
          for (let i = 0; i < order.length; i += 40) mine.push(...(await s.claim(order.slice(i, i + 40), owners[w]!, 60_000)));
          return mine;
        }),
      );
      const all = taken.flat();
      expect(all.length).toBe(keys.length);
      expect(new Set(all)).toEqual(new Set(keys));
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('never hands out a key whose batch another worker is storing at that instant', async () => {
    // Workers claim a window and store it at once, so claims and puts race all the time: a claim
    // checked against the store just before a put committed must not survive it.
    const keys = Array.from({ length: 600 }, (_, i) => `put-race-${i}`);
    const workers = await Promise.all(Array.from({ length: 4 }, () => openEmbeddingStore(server.url)));
    try {
      const claimed = await Promise.all(
        workers.map(async (s, w) => {
          const order = w % 2 === 0 ? keys : [...keys].reverse();
          let count = 0;
          for (let i = 0; i < order.length; i += 10) {
            const mine = await s.claim(order.slice(i, i + 10), `racer${w}`, 60_000);
            await s.put(
              mine.map((k) => entry(k, [w])),
              `racer${w}`,
            );
            count += mine.length;
          }
          return count;
        }),
      );
      expect(claimed.reduce((a, b) => a + b, 0)).toBe(keys.length);
      expect((await store.has(keys)).size).toBe(keys.length);
    } finally {
      await Promise.all(workers.map((s) => s.close()));
    }
  });

  it('takes over lapsed claims without waiting on a worker that is taking over others (no deadlock)', async () => {
    await store.claim(['dl-1', 'dl-2'], 'dead', 1);
    await sleep(20);
    const other = new pg.Client({ connectionString: server.url });
    await other.connect();
    try {
      // Another worker, mid-claim: it has taken over dl-2 and not committed yet.
      await other.query('BEGIN');
      await other.query(`UPDATE clipbench_claims SET owner = 'other', expires_at = now() + interval '1 minute' WHERE key = 'dl-2'`);
      const mine = await Promise.race([store.claim(['dl-1', 'dl-2'], 'alice', 60_000), sleep(3_000).then(() => 'blocked')]);
      expect(mine).toEqual(['dl-1']);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect(await store.claim(['dl-2'], 'carol', 60_000)).toEqual([]);
  });

  it('lets a role that may only read and write the tables work, once the schema exists', async () => {
    await server.query(`CREATE ROLE worker LOGIN PASSWORD 'worker-pw';
      GRANT USAGE ON SCHEMA public TO worker;
      GRANT SELECT, INSERT, UPDATE, DELETE ON clipbench_meta, clipbench_embeddings, clipbench_claims TO worker;`);
    const worker = await openEmbeddingStore(server.url.replace(/\/\/clipbench:[^@]*@/, '//worker:worker-pw@'));
    try {
      expect(await worker.claim(['dml-only'], 'w', 60_000)).toEqual(['dml-only']);
      await worker.put([entry('dml-only', [7])], 'w');
      expect((await worker.get(['dml-only'])).get('dml-only')?.vector).toEqual(new Float32Array([7]));
    } finally {
      await worker.close();
    }
  });

  it('copies page by page in key order, filtered by model', async () => {
    await store.put([entry('m-a', [1], 'other@q8'), entry('m-b', [2], 'other@fp32'), entry('m-c', [3], 'otherwise@fp32')], 'writer');
    const seen: string[] = [];
    for await (const page of store.scan({ model: 'other' }, 1)) {
      expect(page.length).toBeLessThanOrEqual(1);
      seen.push(...page.map((e) => `${e.key}:${e.model}:${e.vector[0]}`));
    }
    expect(seen).toEqual(['m-a:other@q8:1', 'm-b:other@fp32:2']);
    expect(await store.prune({ model: 'other' })).toBe(2);
    expect(await store.has(['m-a', 'm-b', 'm-c'])).toEqual(new Set(['m-c']));
  });

  it('goes on across a server restart, and stops with a clear message when the server stays away', async () => {
    const warnings: string[] = [];
    const patient = await openEmbeddingStore(server.url, { onWarning: (m) => warnings.push(m) });
    try {
      await patient.put([entry('before', [1])], 'writer');
      await server.restart();
      await patient.put([entry('after', [2])], 'writer');
      expect(await patient.has(['before', 'after'])).toEqual(new Set(['before', 'after']));
    } finally {
      await patient.close();
    }
    const { openPostgresStore } = await import('../src/cache/postgresStore.js');
    const hasty = await openPostgresStore(server.url, { retryMs: 1_500, onWarning: (m) => warnings.push(m) });
    await server.stopServer();
    try {
      const failure = await hasty.get(['before']).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/cannot reach the embedding store postgres:\/\/clipbench:\*\*\*@127\.0\.0\.1:\d+\/clipbench/);
      expect(failure?.message).toMatch(/run again when the server is back/);
      expect(failure?.message).not.toContain('w/rd');
    } finally {
      await server.startServer();
      await hasty.close();
    }
    expect(warnings.some((w) => /retrying/.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toContain('w/rd');
  }, 30_000);

  it('refuses a wrong password with a message that names the store but not the password', async () => {
    const error = await openEmbeddingStore(server.urlWith('not-the-password')).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/cannot log in to the embedding store .*password authentication failed/);
    expect(error?.message).not.toContain('not-the-password');
  });

  it('refuses a store written by a newer ClipBench', async () => {
    await server.query("UPDATE clipbench_meta SET value = '99' WHERE name = 'schema_version'");
    try {
      await expect(openEmbeddingStore(server.url)).rejects.toThrow(/schema 99, written by a newer ClipBench .*upgrade ClipBench/);
    } finally {
      await server.query("UPDATE clipbench_meta SET value = '1' WHERE name = 'schema_version'");
    }
  });

  it('creates its schema once when many workers start together', async () => {
    const client = new pg.Client({ connectionString: server.url.replace(/\/clipbench$/, '/postgres') });
    await client.connect();
    await client.query('CREATE DATABASE fresh');
    await client.end();
    const url = server.url.replace(/\/clipbench$/, '/fresh');
    const stores = await Promise.all(Array.from({ length: 5 }, () => openEmbeddingStore(url)));
    await Promise.all(stores.map((s) => s.close()));
    const fresh = new pg.Client({ connectionString: url });
    await fresh.connect();
    const { rows } = await fresh.query("SELECT value FROM clipbench_meta WHERE name = 'schema_version'");
    await fresh.end();
    expect(rows).toEqual([{ value: '1' }]);
  });
});
