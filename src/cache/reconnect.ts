import { InputError } from '../errors.js';

export interface ReconnectOptions {
  /** The store as it may be shown (password masked). */
  readonly location: string;
  /** How long one outage may last before the operation fails. */
  readonly retryMs: number;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Socket-level failures and the SQLSTATEs of a server going away or not yet up (class 08, 57P01–57P03). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const SERVER_GONE = /^(08...|57P0[123])$/;
/** node-postgres reports a dropped socket and a connect timeout without a code. */
const DROPPED = /Connection terminated|timeout expired|Client has encountered a connection error/i;

/** Deadlock and serialization failures: the server rolled the transaction back; running it again is the remedy. */
const ROLLED_BACK = new Set(['40P01', '40001']);
const MAX_ROLLBACK_RETRIES = 5;

/** What a failed call means: a connection to retry, credentials to fix, or anything else (rethrown). */
function kindOf(error: unknown): 'connection' | 'auth' | 'rolled back' | 'other' {
  const { code, message } = error as { code?: string; message?: string };
  if (code === '28P01' || code === '28000') return 'auth';
  if (code !== undefined && ROLLED_BACK.has(code)) return 'rolled back';
  if (code !== undefined && (CONNECTION_CODES.has(code) || SERVER_GONE.test(code))) return 'connection';
  return code === undefined && DROPPED.test(message ?? '') ? 'connection' : 'other';
}

/**
 * Runs `operation`, retrying with backoff while the server cannot be reached (a restart, a
 * failover, workers started before the database), for at most `retryMs` per outage. Each retried
 * operation is a single statement or a whole transaction, which the server rolled back when the
 * connection broke, so a retry never half-applies anything. A transaction the server rolled back
 * as a deadlock victim is run again at once, a few times.
 */
export async function withReconnect<T>(operation: () => Promise<T>, options: ReconnectOptions): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const kind = kindOf(error);
      const reason = (error as Error).message;
      if (kind === 'auth') {
        throw new InputError(
          `cannot log in to the embedding store ${options.location}: ${reason}; check the user and password (in the URL or PGPASSWORD)`,
        );
      }
      if (kind === 'other' || (kind === 'rolled back' && attempt >= MAX_ROLLBACK_RETRIES)) throw error;
      if (kind === 'rolled back') continue;
      if (Date.now() - started >= options.retryMs || options.signal?.aborted) {
        throw new InputError(
          `cannot reach the embedding store ${options.location} (${reason}) after trying for ${Math.round((Date.now() - started) / 1000)} s; ` +
            'every batch stored before is kept: run again when the server is back to resume',
        );
      }
      if (attempt === 0)
        options.onWarning?.(`embedding store ${options.location}: ${reason}; retrying for up to ${Math.round(options.retryMs / 1000)} s`);
      await sleep(Math.min(5_000, 200 * 2 ** attempt));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
