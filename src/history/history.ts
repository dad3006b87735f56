import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { validateJson } from '../util/json.js';
import { formatIssues } from '../util/jsonIssues.js';
import { HISTORY_FILE, historyRecordSchema, type HistoryRecord } from './schema.js';

export { HISTORY_FILE, HISTORY_VERSION, type HistoryRecord } from './schema.js';

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

/** The record on the line, or why it is not one (the JSON path and what was expected). */
function parseRecord(line: string, into: HistoryRecord[]): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const result = validateJson(value, historyRecordSchema);
  if (!result.success) return formatIssues(result.error.issues.slice(0, 1), '');
  into.push(result.data);
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
