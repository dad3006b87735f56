import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { formatIssues, issueMessage } from './jsonIssues.js';

/**
 * Reading the JSON files the tool takes in: one place that names the file, the line and column of
 * a syntax error, and the JSON path and expectation of a value the schema refuses.
 */

export interface JsonReadOptions {
  /** What the file is, for a missing file: `cannot read <what> <file>: no such file`. */
  readonly what?: string;
  /** What to do about a missing or invalid file, appended to the message (default: check the path, fix the syntax). */
  readonly fix?: string;
}

export interface JsonCheckOptions {
  /** Where the value sits in its file, when it is part of one (`["check"]`). */
  readonly path?: readonly PropertyKey[];
  readonly fix?: string;
}

/** Where a JSON text came from: a file, or one line of a JSON Lines file. */
export interface JsonSource {
  readonly file: string;
  /** The file line the text starts on (JSON Lines); a syntax error's line counts from it. */
  readonly line?: number;
}

/** Parse options for every schema: our phrasing, and the offending value in each issue. */
const PARSE: z.core.ParseContext<z.core.$ZodIssue> = { error: issueMessage, reportInput: true };

export async function readJson<S extends z.ZodType>(file: string, schema: S, options: JsonReadOptions = {}): Promise<z.output<S>> {
  return checkJson(await readJsonValue(file, options), schema, file, options);
}

export function readJsonSync<S extends z.ZodType>(file: string, schema: S, options: JsonReadOptions = {}): z.output<S> {
  return checkJson(readJsonValueSync(file, options), schema, file, options);
}

/** The parsed file, unchecked: for readers that look at it before choosing a schema. */
export async function readJsonValue(file: string, options: JsonReadOptions = {}): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw readError(error, file, options);
  }
  return parseValue(text, { file }, options.fix);
}

export function readJsonValueSync(file: string, options: JsonReadOptions = {}): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw readError(error, file, options);
  }
  return parseValue(text, { file }, options.fix);
}

function readError(error: unknown, file: string, options: JsonReadOptions): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const what = options.what === undefined ? '' : `${options.what} `;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new InputError(`cannot read ${what}${file}: no such file; ${options.fix ?? 'check the path'}`);
  if (code === 'EISDIR') return new InputError(`cannot read ${what}${file}: a folder, not a file; ${options.fix ?? 'name the file'}`);
  return error;
}

/** Parses JSON text, e.g. one line of a JSON Lines file; with a schema, checks it too. */
export function parseJsonText(text: string, source: JsonSource): unknown;
export function parseJsonText<S extends z.ZodType>(text: string, source: JsonSource, schema: S): z.output<S>;
export function parseJsonText(text: string, source: JsonSource, schema?: z.ZodType): unknown {
  const value = parseValue(text, source);
  if (schema === undefined) return value;
  return checkJson(value, schema, source.line === undefined ? source.file : `${source.file}:${source.line}`);
}

/** JSON.parse, without the BOM Windows editors add, and with a syntax error that says where. */
function parseValue(text: string, source: JsonSource, fix?: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    throw syntaxError(body, source, error as Error, fix);
  }
}

/** V8's message does not always carry the offset; a tolerant parser finds where it breaks. */
function syntaxError(text: string, source: JsonSource, error: Error, fix: string | undefined): InputError {
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  const where = first ? `:${lineColumn(text, first.offset, source.line ?? 1)}` : source.line === undefined ? '' : `:${source.line}`;
  const what = first ? printParseErrorCode(first.error) : error.message;
  return new InputError(`${source.file}${where}: malformed JSON (${what}); ${fix ?? 'fix the syntax'}`);
}

function lineColumn(text: string, offset: number, firstLine: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length + firstLine - 1;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** The value as the schema reads it; otherwise an InputError naming `where`, the JSON path and what was expected. */
export function checkJson<S extends z.ZodType>(value: unknown, schema: S, where: string, options: JsonCheckOptions = {}): z.output<S> {
  const result = validateJson(value, schema);
  if (result.success) return result.data;
  const message = formatIssues(result.error.issues, where, options.path);
  throw new InputError(options.fix === undefined ? message : `${message}; ${options.fix}`);
}

/** safeParse with this module's messages, for readers that skip bad values instead of failing. */
export function validateJson<S extends z.ZodType>(value: unknown, schema: S): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(value, PARSE);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
