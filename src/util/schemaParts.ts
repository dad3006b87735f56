import { z } from 'zod';
import { expected, unknownKeysMessage } from './jsonIssues.js';

/** A string with something besides whitespace: names, paths, ids. */
export function nonBlank(noun = 'a non-empty string'): z.ZodString {
  return z.string({ error: expected(noun) }).regex(/\S/, { error: expected(noun) });
}

export function positiveInt(noun = 'a positive whole number'): z.ZodInt {
  return z.int({ error: expected(noun) }).min(1, { error: expected(noun) });
}

export function nonNegativeInt(noun = 'a non-negative whole number'): z.ZodInt {
  return z.int({ error: expected(noun) }).min(0, { error: expected(noun) });
}

/** A list of at least one entry: `[]` would silently mean "nothing". */
export function nonEmptyList<T extends z.ZodType>(item: T, noun: string): z.ZodArray<T> {
  return z.array(item, { error: expected(noun) }).min(1, { error: expected(noun) });
}

/** Keys any hand-written file may carry: `$schema` for editors, `$comment` for people. */
export const ANNOTATION_KEYS = {
  $schema: z.string().describe('The JSON Schema of this file, for editors').optional(),
  $comment: z.string().optional(),
};

/**
 * An object of a hand-written file: unknown keys are errors (a typo must not be ignored), named
 * with `noun` ("unknown setting "limt"; known: …"); `$schema` and `$comment` are allowed.
 */
export function strictFileObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, noun: string) {
  const known = Object.keys(shape);
  return z.strictObject(
    { ...ANNOTATION_KEYS, ...shape },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known, noun) : undefined) },
  );
}
