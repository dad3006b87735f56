import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { parseJsonText } from '../util/json.js';
import { captionedDataset, resolveImagesDir, type CaptionedImage } from './captions.js';
import { captionPairSchema } from './captionSchemas.js';
import type { CaptionFileOptions } from './coco.js';
import { isNotFound, stripBom } from './fsutil.js';
import { InputError, type RetrievalDataset } from './types.js';

/** Image–caption pairs, one per row (CSV/TSV with `image` or `path` and `caption`) or per line (JSONL). */
export async function loadCaptionPairs(file: string, options: CaptionFileOptions = {}): Promise<RetrievalDataset> {
  const text = await readText(file);
  const rows = path.extname(file).toLowerCase() === '.jsonl' ? jsonlRows(text, file) : delimitedRows(text, file);
  const byImage = new Map<string, CaptionedImage & { captions: string[] }>();
  for (const row of rows) {
    const entry = byImage.get(row.image) ?? { file: row.image, captions: [], where: row.where };
    entry.captions.push(row.caption);
    byImage.set(row.image, entry);
  }
  const entries = [...byImage.values()];
  const imagesDir = await resolveImagesDir(file, entries[0]?.file, options.images);
  return captionedDataset('pairs', file, imagesDir, entries, options.name);
}

/** A CSV/TSV whose header has a caption column (and no label) holds caption pairs. */
export function hasCaptionHeader(text: string): boolean {
  const firstLine = stripBom(text).split(/\r?\n/, 1)[0]!.toLowerCase();
  const cells = firstLine.split(/[,\t]/).map((c) => c.trim().replace(/^"|"$/g, ''));
  return cells.includes('caption') && !cells.includes('label');
}

interface PairRow {
  readonly image: string;
  readonly caption: string;
  readonly where: string;
}

function jsonlRows(text: string, file: string): PairRow[] {
  return text.split(/\r?\n/).flatMap((line, i) => {
    if (line.trim() === '') return [];
    const where = `${file}:${i + 1}`;
    const record = parseJsonText(line, { file, line: i + 1 }, captionPairSchema);
    const image = record.image ?? record.path;
    if (image === undefined) throw new InputError(`${where}: missing "image" (expected a path to the image; "path" also works)`);
    return [{ image: image.trim(), caption: record.caption, where }];
  });
}

function delimitedRows(text: string, file: string): PairRow[] {
  const delimiter = path.extname(file).toLowerCase() === '.tsv' ? '\t' : ',';
  const parsed = Papa.parse<Record<string, string>>(text, { delimiter, header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim().toLowerCase() });
  const error = parsed.errors[0];
  if (error) throw new InputError(`${file}:${(error.row ?? 0) + 2}: ${error.message}; quote fields as RFC 4180 says`);
  const column = parsed.meta.fields?.includes('image') ? 'image' : 'path';
  if (!parsed.meta.fields?.includes(column) || !parsed.meta.fields.includes('caption')) {
    throw new InputError(`${file}:1: the header needs an "image" (or "path") column and a "caption" column`);
  }
  // Line numbers assume one line per row; papaparse's row index is what a quoted newline would shift.
  return parsed.data.map((row, i) => ({
    image: required(row[column], `${file}:${i + 2}`, column),
    caption: captionCell(row.caption, `${file}:${i + 2}`),
    where: `${file}:${i + 2}`,
  }));
}

function required(value: string | undefined, where: string, column: string): string {
  if (value === undefined || value.trim() === '') throw new InputError(`${where}: column "${column}": empty; every row needs an image and a caption`);
  return value.trim();
}

/** An empty caption cell is kept as it is (see captionSchemas.ts); only a row without the cell is an error. */
function captionCell(value: string | undefined, where: string): string {
  if (value === undefined) throw new InputError(`${where}: column "caption": missing; every row needs an image and a caption`);
  return value;
}

async function readText(file: string): Promise<string> {
  try {
    return stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`caption file ${file} does not exist; check the path`);
    throw err;
  }
}
