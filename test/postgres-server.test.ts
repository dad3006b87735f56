import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type PostgresServer } from './postgresServer.js';

const unavailable = postgresAvailable();
if (unavailable != null) console.warn(`skipping the PostgreSQL test-server tests: ${unavailable}`);

/** Connects with `url`, runs one query, and hands back its rows; the connection never outlives the call. */
async function queryAt(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The error a connection attempt fails with; succeeding is a test failure. */
async function connectError(url: string): Promise<NodeJS.ErrnoException> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  await client.end();
  throw new Error('the connection unexpectedly succeeded');
}

describe.skipIf(unavailable != null)('startPostgres: a real PostgreSQL 15 for tests', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres({ password: 'correct horse' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('accepts the clipbench superuser with its password over TCP, on PostgreSQL 15', async () => {
    expect(server.url).toBe(`postgres://clipbench:correct%20horse@127.0.0.1:${server.port}/clipbench`);
    const [row] = await queryAt(server.url, 'SELECT version() AS version, current_user AS who, current_database() AS db');
    expect(row).toMatchObject({ who: 'clipbench', db: 'clipbench' });
    expect(row?.version).toMatch(/^PostgreSQL 15\./);
    expect(await server.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).toEqual([{ rolsuper: true }]);
  });

  it('refuses a wrong password with SQLSTATE 28P01 (scram-sha-256, not trust)', async () => {
    const error = await connectError(server.urlWith('wrong'));
    expect(error.code).toBe('28P01');
  });

  it('keeps its data across restart()', async () => {
    await server.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await server.restart();
    expect(await queryAt(server.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
  });

  it('refuses connections after stopServer(), and startServer() brings it back on the same port', async () => {
    await server.stopServer();
    expect((await connectError(server.url)).code).toBe('ECONNREFUSED');
    await server.startServer();
    expect(await queryAt(server.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
  });

  it('stop() removes the temp folder, and a second stop() is harmless', async () => {
    expect(existsSync(server.dir)).toBe(true);
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    await server.stop();
  });
});
