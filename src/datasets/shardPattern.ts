import { InputError } from './types.js';

/**
 * More shards than any real set has: a pattern that expands past this is a typo (`{0..99999999}`),
 * and expanding it would take the memory and time of a hang.
 */
export const MAX_SHARDS = 100_000;

/** Whether `spec` holds a brace group to expand: `{000000..000004}` or `{a,b}`. */
export function hasBraceGroup(spec: string): boolean {
  const group = findGroup(spec);
  return group !== undefined && (RANGE.test(group.body) || splitTopLevel(group.body).length > 1);
}

/**
 * Expands shard names the way WebDataset does (Python's braceexpand): `{0..4}`, `{000..004}`
 * (zero padded when either bound has a leading zero), `{0..10..2}`, `{a..e}`, `{x,y}`, nested
 * groups, several groups (every combination, the first group varying slowest). A group that is
 * neither a range nor a list (`{a}`) stays as written.
 */
export function expandShardPattern(pattern: string): string[] {
  const out = expand(pattern);
  if (out.length === 0) throw new InputError(`shard pattern ${pattern} expands to no names`);
  return out;
}

const RANGE = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$|^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?$/;

function expand(pattern: string): string[] {
  const group = findGroup(pattern);
  if (group === undefined) return [pattern];
  const head = pattern.slice(0, group.start);
  const tails = expand(pattern.slice(group.end + 1));
  const alternatives = alternativesOf(group.body, pattern);
  if (alternatives.length * tails.length > MAX_SHARDS) {
    throw new InputError(`shard pattern ${pattern} names more than ${MAX_SHARDS} shards; check the brace ranges`);
  }
  return alternatives.flatMap((alt) => tails.map((tail) => head + alt + tail));
}

function alternativesOf(body: string, pattern: string): string[] {
  const range = RANGE.exec(body);
  if (range !== null) return range[1] !== undefined ? intRange(range[1], range[2]!, range[3], pattern) : charRange(range[4]!, range[5]!, range[6]);
  const parts = splitTopLevel(body);
  if (parts.length === 1) return [`{${body}}`];
  const out = parts.flatMap((part) => expand(part));
  if (out.length > MAX_SHARDS) throw new InputError(`shard pattern ${pattern} names more than ${MAX_SHARDS} shards`);
  return out;
}

function intRange(left: string, right: string, increment: string | undefined, pattern: string): string[] {
  const padded = [left, right].some((s) => s !== '0' && s !== '-0' && /^-?0/.test(s));
  const width = padded ? Math.max(left.length, right.length) : 0;
  const start = Number(left);
  const end = Number(right);
  const step = Math.abs(Number(increment ?? 1)) || 1;
  const count = Math.floor(Math.abs(end - start) / step) + 1;
  if (count > MAX_SHARDS) throw new InputError(`shard pattern ${pattern} names ${count} shards (more than ${MAX_SHARDS}); check the brace range`);
  const direction = start <= end ? step : -step;
  return Array.from({ length: count }, (_, i) => pad(start + i * direction, width));
}

/** Python's `'%0{width}d' % n`: the sign counts towards the width. */
function pad(n: number, width: number): string {
  const digits = String(Math.abs(n));
  const sign = n < 0 ? '-' : '';
  return sign + digits.padStart(width - sign.length, '0');
}

function charRange(left: string, right: string, increment: string | undefined): string[] {
  const start = left.charCodeAt(0);
  const end = right.charCodeAt(0);
  const step = Math.abs(Number(increment ?? 1)) || 1;
  const count = Math.floor(Math.abs(end - start) / step) + 1;
  const direction = start <= end ? step : -step;
  return Array.from({ length: count }, (_, i) => String.fromCharCode(start + i * direction));
}

interface Group {
  readonly start: number;
  readonly end: number;
  readonly body: string;
}

/** The first balanced `{...}` (outermost); an unmatched brace is a literal character. */
function findGroup(text: string): Group | undefined {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) return { start, end: i, body: text.slice(start + 1, i) };
    }
  }
  return undefined;
}

/** Splits at commas outside nested braces. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(body.slice(from));
  return parts;
}
