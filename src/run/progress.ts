export interface Progress {
  /** Adds `n` finished units. */
  tick(n: number): void;
  /** Batches held by other workers that this one waits for (0: none); shown after the count. */
  waiting(batches: number): void;
  done(): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly stream?: NodeJS.WriteStream;
  /** Minimum milliseconds between lines when the stream is not a terminal (CI logs). */
  readonly logIntervalMs?: number;
}

/**
 * A live `\r` line on a terminal; on a pipe or CI log, a plain line at most every logIntervalMs,
 * so logs stay short but a stuck run is still visible.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const live = stream.isTTY === true && !process.env.CI;
  const interval = live ? 100 : (options.logIntervalMs ?? 10_000);
  const started = Date.now();
  let done = 0;
  let waitingOn = 0;
  let lastDraw = started;
  const draw = (final: boolean): void => {
    const held = waitingOn > 0 ? ` — waiting on ${waitingOn} batch${waitingOn === 1 ? '' : 'es'} held by other workers` : '';
    const line = formatProgress(options.label, done, options.total, Date.now() - started) + held;
    if (live) stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
  const maybeDraw = (): void => {
    const now = Date.now();
    if (now - lastDraw >= interval) {
      lastDraw = now;
      draw(false);
    }
  };
  return {
    tick(n) {
      done += n;
      maybeDraw();
    },
    waiting(batches) {
      waitingOn = batches;
      maybeDraw();
    },
    done() {
      if (options.total > 0 && (live || Date.now() - started >= interval)) draw(true);
    },
  };
}

export function formatProgress(label: string, done: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 && done < total ? ` ETA ${formatDuration(((total - done) / rate) * 1000)}` : '';
  return `${label} ${done}/${total} (${rate.toFixed(1)}/s)${eta}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
