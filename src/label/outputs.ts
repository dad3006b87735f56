import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import Papa from 'papaparse';
import { writeChunksAtomically } from '../util/atomicWrite.js';
import type { ItemError } from '../run/embedImages.js';
import type { LabelRow } from './score.js';

/** One labels.jsonl line: the row as it is, so the file reads back into the same LabelRow. */
export function jsonlLine(row: LabelRow): string {
  return `${JSON.stringify({ image: row.image, top: row.top, margin: row.margin, uncertain: row.uncertain })}\n`;
}

/** CSV rows converted at a time: large enough for few unparse calls, small enough to keep memory flat. */
const CSV_CHUNK = 1000;

/**
 * labels.csv from labels.jsonl, read back a line at a time: the JSONL is the one pass over the
 * images, and JSON numbers read back to the same doubles, so both files hold the same values.
 * escapeFormulae keeps an image or class named `=HYPERLINK(...)` from running in a spreadsheet.
 */
export async function writeCsvFromJsonl(jsonlFile: string, csvFile: string, topK: number): Promise<void> {
  const fields = ['image', 'label', 'prob', 'margin', 'uncertain'];
  for (let k = 1; k <= topK; k++) fields.push(`top${k}_label`, `top${k}_prob`);
  await writeChunksAtomically(csvFile, csvChunks(jsonlFile, fields, topK));
}

async function* csvChunks(jsonlFile: string, fields: readonly string[], topK: number): AsyncGenerator<string> {
  let rows: (string | number | boolean)[][] = [];
  let first = true;
  const flush = (): string => {
    const text = Papa.unparse({ fields: [...fields], data: rows }, { escapeFormulae: true, newline: '\n', header: first });
    first = false;
    rows = [];
    return text === '' ? '' : `${text}\n`;
  };
  const lines = createInterface({ input: createReadStream(jsonlFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    rows.push(csvRow(JSON.parse(line) as LabelRow, topK));
    if (rows.length === CSV_CHUNK) yield flush();
  }
  if (rows.length > 0 || first) yield flush();
}

function csvRow(row: LabelRow, topK: number): (string | number | boolean)[] {
  const top = row.top[0]!;
  const cells: (string | number | boolean)[] = [row.image, top.label, top.prob, row.margin, row.uncertain];
  for (let k = 0; k < topK; k++) cells.push(row.top[k]?.label ?? '', row.top[k]?.prob ?? '');
  return cells;
}

/** errors.csv: every image that could not be read, and why (a header alone when all were read). */
export function writeErrorsCsv(file: string, errors: readonly ItemError[]): Promise<void> {
  const text = Papa.unparse(
    { fields: ['image', 'reason'], data: errors.map((e) => [e.item, e.reason]) },
    { escapeFormulae: true, newline: '\n' },
  );
  return writeChunksAtomically(file, [`${text}\n`]);
}
