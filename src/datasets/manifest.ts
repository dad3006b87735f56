import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { CLASSNAMES_TXT, findClassNames, requireList } from './classnames.js';
import { isNotFound, plural, resolveUnder, stripBom } from './fsutil.js';
import { sortedCodePoints } from './order.js';
import { InputError, type ClassificationDataset, type ClassificationItem } from './types.js';

export const MANIFEST_EXTENSIONS: Readonly<Record<string, string>> = { '.csv': ',', '.tsv': '\t' };

const HEADER_HINT = 'the first line must be a header with an "image" (or "path") column and a "label" column';

export interface ManifestOptions {
  readonly name?: string;
  /** Fixes the class order (a descriptor's `classnames`); overrides a classnames.txt sidecar. */
  readonly classNames?: readonly string[];
  readonly classNamesSource?: string;
}

interface Row {
  readonly fields: readonly string[];
  /** 1-based line where the row starts; the header is line 1. */
  readonly line: number;
}

interface Columns {
  readonly path: number;
  readonly label: number;
  readonly names: readonly string[];
}

interface Entry {
  readonly id: string;
  readonly labelName: string;
  readonly line: number;
}

/** Reads `image,label` rows; paths are relative to the manifest's folder (or absolute). */
export async function loadManifestDataset(file: string, options: ManifestOptions = {}): Promise<ClassificationDataset> {
  const abs = path.resolve(file);
  const entries = readEntries(await readManifest(abs), abs);
  const fixed = await fixedClasses(abs, options);
  const classNames = fixed?.names ?? sortedCodePoints(new Set(entries.map((e) => e.labelName)));
  const labelOf = new Map(classNames.map((name, i) => [name, i]));
  const dir = path.dirname(abs);
  const items = entries.map(({ id, labelName, line }): ClassificationItem => {
    const label = labelOf.get(labelName);
    if (label === undefined) {
      throw new InputError(`unknown class "${labelName}" at ${abs}:${line}; add it to ${fixed?.source} or fix the label`);
    }
    return { id, source: { kind: 'file', path: resolveUnder(dir, id) }, label };
  });
  return { task: 'classification', name: options.name ?? path.parse(abs).name, format: 'manifest', root: abs, classNames, items };
}

/** Every row checked in file order, so the first bad line is the one reported. */
function readEntries(text: string, file: string): Entry[] {
  const [header, ...body] = parseRows(text, delimiterFor(file), file);
  if (header === undefined) throw new InputError(`${file} is empty: ${HEADER_HINT}`);
  const columns = findColumns(header, file);
  if (body.length === 0) throw new InputError(`${file} has a header but no rows; add one row per image`);
  return body.map((row) => ({
    id: cell(row, columns, 'path', file),
    labelName: cell(row, columns, 'label', file),
    line: row.line,
  }));
}

export function isManifestPath(file: string): boolean {
  return path.extname(file).toLowerCase() in MANIFEST_EXTENSIONS;
}

function delimiterFor(file: string): string {
  const delimiter = MANIFEST_EXTENSIONS[path.extname(file).toLowerCase()];
  if (delimiter === undefined) throw new InputError(`${file}: a manifest must end in .csv (comma) or .tsv (tab)`);
  return delimiter;
}

async function readManifest(file: string): Promise<string> {
  try {
    return stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`manifest ${file} does not exist; check the path`);
    throw err;
  }
}

/**
 * Papaparse reports rows, not lines, and a quoted field may span lines: a row starts where the
 * previous one's cursor ended (after its newline), so lines are counted up to there.
 */
function parseRows(text: string, delimiter: string, file: string): Row[] {
  const rows: Row[] = [];
  let start = 0;
  let line = 1;
  Papa.parse<string[]>(text, {
    delimiter,
    step: (result) => {
      const error = result.errors[0];
      if (error !== undefined) {
        throw new InputError(`${file}:${line}: ${error.message}; quote fields as RFC 4180 says (double any " inside quotes)`);
      }
      if (!isBlank(result.data)) rows.push({ fields: result.data, line });
      line += countNewlines(text, start, result.meta.cursor);
      start = result.meta.cursor;
    },
  });
  return rows;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && fields[0]!.trim() === '';
}

function findColumns(header: Row, file: string): Columns {
  const names = header.fields.map((f) => f.trim());
  const lower = names.map((n) => n.toLowerCase());
  const image = lower.indexOf('image');
  const pathColumn = image >= 0 ? image : lower.indexOf('path');
  const label = lower.indexOf('label');
  const missing = pathColumn < 0 ? 'image' : label < 0 ? 'label' : undefined;
  if (missing !== undefined) {
    throw new InputError(`${file}:1: missing column "${missing}" (header has: ${names.join(', ')}); ${HEADER_HINT}`);
  }
  return { path: pathColumn, label, names };
}

/** A trimmed, non-empty value; a short row, a long row or an empty value names line and column. */
function cell(row: Row, columns: Columns, which: 'path' | 'label', file: string): string {
  const width = columns.names.length;
  const at = `${file}:${row.line}`;
  if (row.fields.length > width) {
    throw new InputError(
      `${at}: column ${width + 1}: ${plural(row.fields.length, 'field')} but the header has ${width}; ` +
        'quote values that contain the delimiter',
    );
  }
  const index = columns[which];
  const name = columns.names[index]!;
  const value = row.fields[index];
  if (row.fields.length < width) {
    const absent = columns.names[row.fields.length]!;
    throw new InputError(`${at}: column "${absent}": missing (${plural(row.fields.length, 'field')} but the header has ${width})`);
  }
  if (value === undefined || value.trim() === '') {
    const what = which === 'path' ? 'image path' : 'label';
    throw new InputError(`${at}: column "${name}": empty ${what}; every row needs an image path and a label`);
  }
  return value.trim();
}

async function fixedClasses(
  file: string,
  options: ManifestOptions,
): Promise<{ names: string[]; source: string } | undefined> {
  if (options.classNames !== undefined) {
    const source = options.classNamesSource ?? 'classnames';
    return { names: requireList(options.classNames, source), source };
  }
  const found = await findClassNames(path.dirname(file), [CLASSNAMES_TXT]);
  return found === undefined ? undefined : { names: requireList(found.mapping, found.file), source: found.file };
}
