import type { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

/** Issues shown in one message; a file broken everywhere (600k captions) must not print them all. */
const SHOWN_ISSUES = 3;

const NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  tuple: 'a list',
  null: 'null',
};

/** A value as a message shows it: short JSON for scalars, the kind for lists and objects. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? '[]' : 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 56)}…${text.at(-1)}` : text;
}

/**
 * A schema-level error in this module's phrasing: "expected <noun>, got <value>". A missing key
 * (no input) reads "expected <noun>" only, as the formatter puts `missing "key"` before it.
 */
export function expected(noun: string): (issue: RawIssue) => string {
  return (issue) => (issue.input === undefined ? `expected ${noun}` : `expected ${noun}, got ${showValue(issue.input)}`);
}

/** The message of an issue no schema phrased itself; undefined leaves zod's own. */
export function issueMessage(issue: RawIssue): string | undefined {
  const noun = expectedNoun(issue);
  if (noun !== undefined) return expected(noun)(issue.code === 'invalid_union' ? { ...issue, input: discriminatorValue(issue) } : issue);
  if (issue.code === 'unrecognized_keys') return unknownKeysMessage(issue.keys, knownKeys(issue.inst), 'field');
  return undefined;
}

function expectedNoun(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return NOUNS[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return oneOf(issue.values);
    case 'too_small':
      return bound(issue.origin, 'at least', 'more than', issue.minimum, issue.inclusive);
    case 'too_big':
      return bound(issue.origin, 'at most', 'less than', issue.maximum, issue.inclusive);
    case 'invalid_format':
      return issue.format === 'regex' ? `a string matching ${issue.pattern ?? 'the pattern'}` : `a ${issue.format}`;
    case 'invalid_union':
      return unionNoun(issue);
    default:
      return undefined;
  }
}

/** A discriminated union reports on the object; its message is about the discriminating key. */
function discriminatorValue(issue: Extract<RawIssue, { code: 'invalid_union' }>): unknown {
  const key = issue.discriminator;
  if (key === undefined || typeof issue.input !== 'object' || issue.input === null) return issue.input;
  return (issue.input as Record<string, unknown>)[key];
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.filter((v) => v !== undefined && v !== null).map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

function bound(origin: string, inclusive: string, exclusive: string, limit: number | bigint, isInclusive = true): string {
  const n = Number(limit);
  const relation = isInclusive ? inclusive : exclusive;
  if (origin === 'array' || origin === 'set') return `${relation} ${n} ${n === 1 ? 'entry' : 'entries'}`;
  if (origin === 'string') return n === 1 && relation === 'at least' ? 'a non-empty string' : `a string of ${relation} ${n} characters`;
  return `${relation} ${n}`;
}

/** "a number or a string" from the alternatives' own top-level expectations. */
function unionNoun(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  if (issue.discriminator !== undefined) return oneOf(Array.isArray(issue.options) ? issue.options : []);
  const nouns = issue.errors.flatMap((alternative) => {
    const first = alternative[0];
    return first !== undefined && first.path.length === 0 ? [expectedNoun({ ...first, input: undefined }) ?? first.message] : [];
  });
  return nouns.length > 0 ? [...new Set(nouns)].join(' or ') : 'a value of another form';
}

export function unknownKeysMessage(keys: readonly string[], known: readonly string[], noun: string): string {
  const names = keys.map((k) => JSON.stringify(k)).join(', ');
  const list = known.length > 0 ? `; known: ${known.join(', ')}` : '';
  return `unknown ${noun}${keys.length === 1 ? '' : 's'} ${names}${list}`;
}

function knownKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape === undefined ? [] : Object.keys(shape).filter((k) => !k.startsWith('$'));
}

/** A JSON path as JavaScript would write it: `promptSets[2].metrics.acc1`, `metrics["recall@1"]`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

/**
 * One line per issue (the first few), each `<where>: <json path>: <message>`; a missing key reads
 * `<where>: <parent path>: missing "<key>" (expected …)`, the way a reader looks for it.
 */
export function formatIssues(issues: readonly Issue[], where: string, basePath: readonly PropertyKey[] = []): string {
  const lines = issues.slice(0, SHOWN_ISSUES).map((issue) => issueLine(issue, where, basePath));
  if (issues.length > SHOWN_ISSUES) lines.push(`…and ${issues.length - SHOWN_ISSUES} more`);
  return lines.join('\n');
}

function issueLine(issue: Issue, where: string, basePath: readonly PropertyKey[]): string {
  const path = [...basePath, ...issue.path];
  const inner = onlyDeepAlternative(issue);
  if (inner !== undefined) return issueLine(inner, where, path);
  const key = path.at(-1);
  if (isMissing(issue) && typeof key === 'string') return joined(where, path.slice(0, -1), `missing "${key}" (${issue.message})`);
  return joined(where, path, issue.message);
}

/**
 * zod leaves a union's failure at the union when it cannot tell which form was meant; when only
 * one form got past the top level (an object whose value is wrong), that form's problem is the one.
 */
function onlyDeepAlternative(issue: Issue): Issue | undefined {
  if (issue.code !== 'invalid_union' || issue.discriminator !== undefined) return undefined;
  const deep = issue.errors.filter((alternative) => alternative.length > 0 && alternative.every((i) => i.path.length > 0));
  return deep.length === 1 ? deep[0]![0] : undefined;
}

/** Parsed JSON holds no undefined, so an expectation without input is a key that is absent. */
function isMissing(issue: Issue): boolean {
  return (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') && issue.input === undefined;
}

function joined(where: string, path: readonly PropertyKey[], text: string): string {
  return [where, jsonPath(path), text].filter((part) => part !== '').join(': ');
}
