// The throwaway PostgreSQL 15 server lives in tools/postgres/server.mjs (with its types in
// server.d.mts), so the plain-JavaScript benchmarks can start one too; the tests import it from here.
export * from '../tools/postgres/server.mjs';
export type { PostgresServer } from '../tools/postgres/server.mjs';
