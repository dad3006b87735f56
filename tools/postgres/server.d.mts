// Types of server.mjs, for the TypeScript tests (test/postgresServer.ts re-exports both).

/** Debian's `postgresql` package (PostgreSQL 15, bookworm); .ci/run installs it. */
export declare const POSTGRES_BIN: '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15 server on 127.0.0.1, owned by the test that started it. */
export interface PostgresServer {
  /** postgres://clipbench:<password>@127.0.0.1:<port>/clipbench */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The temp folder: data/, server.log and the Unix socket. */
  readonly dir: string;
  /** The same URL with another password (to test a wrong one). */
  urlWith(password: string): string;
  /** pg_ctl stop -m fast; the data stays, so startServer() brings the same cluster back. */
  stopServer(): Promise<void>;
  /** Starts the stopped server again, on the same port. */
  startServer(): Promise<void>;
  restart(): Promise<void>;
  /** Runs SQL as clipbench on a fresh connection; the rows of the last statement. */
  query(sql: string): Promise<unknown[]>;
  /** Stops the server and removes the temp folder; safe to call twice. */
  stop(): Promise<void>;
}

/** null when the server binaries are installed, else why the tests that need them skip. */
export declare function postgresAvailable(): string | null;

/**
 * Runs initdb in a new temp folder and starts the server on a free port of 127.0.0.1, with a
 * `clipbench` superuser (scram-sha-256 over TCP) and a `clipbench` database; stopped and removed
 * at process exit if stop() was not called.
 */
export declare function startPostgres(options?: { password?: string }): Promise<PostgresServer>;
