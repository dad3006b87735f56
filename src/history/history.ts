import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

export const HISTORY_FILE = 'history.jsonl';
export const HISTORY_VERSION = 1;

/** One line of reports/history.jsonl: what a run scored, compact enough to keep forever. */
export interface HistoryRecord {
  readonly historyVersion: typeof HISTORY_VERSION;
  readonly runId: string;
  readonly task: 'classification' | 'retrieval';
  readonly createdAt: string;
  readonly toolVersion: string;
  /** HEAD of the git checkout the run was started in (or $GITHUB_SHA); null outside git. */
  readonly commit: string | null;
  /** Whether tracked files differed from `commit`; null when unknown. */
  readonly dirty: boolean | null;
  readonly model: {
    readonly id: string;
    readonly dtype: string;
    /** 16 hex digits of a hash over the ONNX files' sha256: equal means the same weights. */
    readonly weights: string;
  };
  readonly dataset: {
    readonly name: string;
    /** Items (images, for retrieval) selected, including unreadable ones. */
    readonly itemCount: number;
    /** Items scored (itemCount less unreadable ones). */
    readonly evaluated: number;
    readonly limit: number | null;
    readonly perClass: number | null;
    readonly seed: number;
  };
  readonly promptSets: readonly {
    readonly name: string;
    readonly templates: number;
    /** As in results.json: acc1, acc5, mean_per_class_recall, or the retrieval recalls. */
    readonly metrics: Readonly<Record<string, number | null>>;
  }[];
}

/** The history file of a runs folder (`--out`, default reports/). */
export function historyFileFor(outDir: string): string {
  return path.join(outDir, HISTORY_FILE);
}

/**
 * Every record in the file, oldest first (append order). A missing file is an empty history; a line
 * that is not a record (a run killed mid-write on a filesystem without atomic appends, a hand edit)
 * is skipped and reported through `onSkip` rather than hiding the rest.
 */
export function readHistory(file: string, onSkip?: (lineNumber: number, reason: string) => void): HistoryRecord[] {
  if (!existsSync(file)) return [];
  const records: HistoryRecord[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const reason = parseRecord(line, records);
      if (reason) onSkip?.(i + 1, reason);
    });
  return records;
}

function parseRecord(line: string, into: HistoryRecord[]): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const r = value as Partial<HistoryRecord> | null;
  if (r?.historyVersion !== HISTORY_VERSION) return `historyVersion ${JSON.stringify(r?.historyVersion)} is not ${HISTORY_VERSION}`;
  if (typeof r.runId !== 'string' || !Array.isArray(r.promptSets) || !r.model || !r.dataset) return 'missing runId, model, dataset or promptSets';
  into.push(r as HistoryRecord);
  return null;
}

/**
 * Appends one record as one write(2) on an O_APPEND descriptor: the kernel places each such write
 * at the end of the file whole, so concurrent runs add whole lines and never interleave them.
 */
export async function appendHistory(file: string, record: HistoryRecord): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
  const handle = await open(file, 'a');
  try {
    const { bytesWritten } = await handle.write(line, 0, line.length);
    if (bytesWritten !== line.length) throw new Error(`short write to ${file} (${bytesWritten} of ${line.length} bytes)`);
  } finally {
    await handle.close();
  }
}
