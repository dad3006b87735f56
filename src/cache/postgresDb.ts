import type pg from 'pg';
import { withReconnect, type ReconnectOptions } from './reconnect.js';

/** The pool with every call retried across a lost connection (a statement or a whole transaction). */
export class Db {
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ReconnectOptions,
  ) {}

  query<T extends pg.QueryResultRow>(text: string, params: readonly unknown[] = []): Promise<pg.QueryResult<T>> {
    return withReconnect(() => this.pool.query<T>(text, [...params]), this.options);
  }

  /** A transaction is retried whole: if the connection broke inside it, the server rolled it back. */
  transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withReconnect(async () => {
      const client = await this.pool.connect();
      // pg-pool stops listening to a client it has handed out; a connection dropped mid-transaction
      // then emits an 'error' nobody hears, which would end the process instead of failing the query.
      client.on('error', ignore);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await body(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = error as Error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', ignore);
        // A client whose connection failed is destroyed rather than handed out again.
        client.release(broken);
      }
    }, this.options);
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

function ignore(): void {}
