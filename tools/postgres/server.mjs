// A throwaway PostgreSQL 15 server in a temp folder, for the tests (test/postgresServer.ts
// re-exports this) and the benchmarks (bench/store.mjs), which as plain .mjs cannot import
// TypeScript. server.d.mts beside it gives the types.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/** Debian's `postgresql` package (PostgreSQL 15, bookworm); .ci/run installs it. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
const USER = 'clipbench';
const DATABASE = 'clipbench';
const run = promisify(execFile);

/**
 * null when the server binaries are installed, else why the tests that need them skip.
 * @returns {string | null}
 */
export function postgresAvailable() {
  const missing = ['initdb', 'pg_ctl', 'postgres'].filter((b) => !existsSync(path.join(POSTGRES_BIN, b)));
  if (missing.length > 0) {
    return `PostgreSQL 15 is not installed (no ${missing.join(', ')} in ${POSTGRES_BIN}; apt-get install postgresql, .ci/run installs it)`;
  }
  if (isRoot() && postgresIds() == null) return 'running as root, and there is no `postgres` system user to run PostgreSQL as';
  return null;
}

function isRoot() {
  return process.getuid?.() === 0;
}

/**
 * The Debian `postgres` user's uid and gid, or null when it does not exist.
 * @returns {{ uid: number, gid: number } | null}
 */
function postgresIds() {
  try {
    const id = (/** @type {string} */ flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/** @returns {Promise<number>} */
async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  if (address == null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/**
 * The last `lines` lines of the server log, for error messages.
 * @param {string} log
 */
function logTail(log, lines = 30) {
  if (!existsSync(log)) return '(no server log was written)';
  return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs initdb in a new temp folder and starts the server on a free port of 127.0.0.1, with a
 * `clipbench` superuser (scram-sha-256 over TCP) and a `clipbench` database. The process stops the
 * server and removes the folder at exit if stop() was not called.
 * @param {{ password?: string }} [options] the superuser's password (default: random)
 * @returns {Promise<import('./server.d.mts').PostgresServer>}
 */
export async function startPostgres(options = {}) {
  const reason = postgresAvailable();
  if (reason != null) throw new Error(reason);
  const password = options.password ?? randomBytes(12).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'clipbench-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  // initdb, pg_ctl and postgres all refuse to run as root, so as root they run as Debian's postgres user,
  // which must own the folder (mkdtemp makes it 0700).
  const ids = isRoot() ? postgresIds() : null;
  if (ids != null) chownSync(dir, ids.uid, ids.gid);

  /**
   * @param {string} name
   * @param {readonly string[]} args
   */
  const pgBin = async (name, args) => {
    const bin = path.join(POSTGRES_BIN, name);
    const [file, argv] = ids != null ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
    try {
      // cwd: postgres may not be able to read the caller's working directory. A bare env keeps the
      // caller's PGDATA, PGPORT and friends from steering the binaries.
      await run(file, argv, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 90_000 });
    } catch (error) {
      const stderr = /** @type {{ stderr?: string }} */ (error).stderr?.trim();
      throw new Error(`${name} ${args.join(' ')} failed: ${stderr || String(error)}\n--- ${log} (tail) ---\n${logTail(log)}`, {
        cause: error,
      });
    }
  };

  let running = false;
  let removed = false;
  const stopNow = () => {
    // A test that dies before stop() must not leave a postmaster or its folder behind.
    const args = ['-D', data, 'stop', '-m', 'immediate'];
    const bin = path.join(POSTGRES_BIN, 'pg_ctl');
    try {
      if (running && ids != null) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: dir, stdio: 'ignore' });
      else if (running) execFileSync(bin, args, { cwd: dir, stdio: 'ignore' });
    } catch {
      // Best effort at exit.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopNow);

  const startServer = async () => {
    await pgBin('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stopServer = async () => {
    await pgBin('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
    running = false;
  };
  const stop = async () => {
    if (removed) return;
    try {
      if (running) await stopServer();
    } finally {
      removed = true;
      process.removeListener('exit', stopNow);
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const host = '127.0.0.1';
  let port = 0;
  const urlWith = (/** @type {string} */ pw, database = DATABASE) =>
    `postgres://${USER}:${encodeURIComponent(pw)}@${host}:${port}/${database}`;
  /**
   * @param {string} url
   * @param {string} sql
   * @returns {Promise<unknown[]>}
   */
  const sqlOn = async (url, sql) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query(sql);
      // A multi-statement string answers with one result per statement.
      const last = Array.isArray(result) ? result.at(-1) : result;
      return last?.rows ?? [];
    } finally {
      await client.end();
    }
  };

  try {
    const pwfile = path.join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids != null) chownSync(pwfile, ids.uid, ids.gid);
    // C locale and UTF8: the machine's own locale may not be generated, and tests should not depend on it.
    // --no-sync: a crash loses nothing worth keeping, and syncing the new cluster is most of a start (~2 s).
    await pgBin('initdb', [
      '-D',
      data,
      '--username',
      USER,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    rmSync(pwfile);
    port = await freePort();
    // In postgresql.conf rather than on pg_ctl's -o, so startServer() reuses the same port and folder.
    appendFileSync(
      path.join(data, 'postgresql.conf'),
      `\nport = ${port}\nlisten_addresses = '${host}'\nunix_socket_directories = '${dir}'\n`,
    );
    await startServer();
    await sqlOn(urlWith(password, 'postgres'), `CREATE DATABASE ${DATABASE}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = message.includes(log) ? '' : `\n--- ${log} (tail) ---\n${logTail(log)}`;
    await stop().catch(() => undefined);
    throw new Error(`could not start PostgreSQL in ${dir}: ${message}${tail}`, { cause: error });
  }

  return {
    url: urlWith(password),
    host,
    port,
    user: USER,
    password,
    database: DATABASE,
    dir,
    urlWith: (pw) => urlWith(pw),
    stopServer,
    startServer,
    restart: async () => {
      await stopServer();
      await startServer();
    },
    query: (sql) => sqlOn(urlWith(password), sql),
    stop,
  };
}
