import { readFile } from 'node:fs/promises';
import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { isNotFound, stripBom } from './fsutil.js';
import { InputError } from './types.js';

/** Parses a JSON file; a syntax error names the file, line and column. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`${what} ${file} does not exist; check the path`);
    throw err;
  }
  return parseJson(text, file);
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message does not always carry the offset; a tolerant parser finds where it breaks.
    const errors: ParseError[] = [];
    parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false });
    const first = errors[0];
    const where = first ? `:${lineColumn(text, first.offset)}` : '';
    const what = first ? printParseErrorCode(first.error) : (error as Error).message;
    throw new InputError(`${file}${where}: malformed JSON (${what}); fix the file or regenerate it`);
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
