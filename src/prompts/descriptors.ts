import { Mulberry32 } from '../stats/prng.js';
import { RANDOM_WORDS } from './randomWords.js';
import { PromptError } from './types.js';

/** `#@ descriptors: random(count=15, words=2, chars=0, seed=0)`: the WaffleCLIP random-descriptor control. */
export interface RandomDescriptorOptions {
  /** How many descriptors (each class gets the same ones). Default 15. */
  readonly count: number;
  /** Random words per descriptor, from RANDOM_WORDS. Default 2. */
  readonly words: number;
  /** Length of a random lower-case letter sequence appended to each descriptor; 0 (default) for none. */
  readonly chars: number;
  /** Mulberry32 seed. Default 0. */
  readonly seed: number;
}

const DEFAULTS: RandomDescriptorOptions = { count: 15, words: 2, chars: 0, seed: 0 };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LIMITS: Record<keyof RandomDescriptorOptions, readonly [number, number]> = {
  count: [1, 1000],
  words: [0, 20],
  chars: [0, 50],
  seed: [0, 2 ** 32 - 1],
};

/** Parses `random(key=value, ...)`; every key is optional; throws PromptError naming `where`. */
export function parseRandomDescriptors(value: string, where: string): RandomDescriptorOptions {
  const usage = 'write e.g. "#@ descriptors: random(count=15, words=2, seed=0)" (keys count, words, chars, seed; whole numbers)';
  const match = /^random\s*\((.*)\)$/i.exec(value.trim());
  if (!match) throw new PromptError(`${where}: cannot read "${value}"; ${usage}`);
  const options: Record<string, number> = { ...DEFAULTS };
  const body = match[1]!.trim();
  for (const part of body === '' ? [] : body.split(',')) {
    const kv = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/i.exec(part);
    const key = kv?.[1]?.toLowerCase();
    if (!kv || key === undefined || !(key in LIMITS)) throw new PromptError(`${where}: cannot read "${part.trim()}" in "${value}"; ${usage}`);
    const n = Number(kv[2]);
    const [min, max] = LIMITS[key as keyof RandomDescriptorOptions];
    if (n < min || n > max) throw new PromptError(`${where}: ${key}=${n} is out of range; ${key} must be between ${min} and ${max}`);
    options[key] = n;
  }
  if (options.words === 0 && options.chars === 0) {
    throw new PromptError(`${where}: random descriptors need words or chars: words=0 and chars=0 would give empty descriptors`);
  }
  return options as unknown as RandomDescriptorOptions;
}

/**
 * The descriptors, reproducible anywhere: one Mulberry32 generator seeded with `seed`; for each of
 * the `count` descriptors in turn, `words` draws of RANDOM_WORDS[nextIndex(256)], then `chars`
 * draws of "abcdefghijklmnopqrstuvwxyz"[nextIndex(26)]; the words and the letter sequence (if any)
 * are joined by single spaces. nextIndex(n) = floor(nextUint32() · n / 2^32).
 */
export function randomDescriptors(options: RandomDescriptorOptions): string[] {
  const rng = new Mulberry32(options.seed);
  return Array.from({ length: options.count }, () => {
    const parts = Array.from({ length: options.words }, () => RANDOM_WORDS[rng.nextIndex(RANDOM_WORDS.length)]!);
    if (options.chars > 0) parts.push(Array.from({ length: options.chars }, () => LETTERS[rng.nextIndex(LETTERS.length)]!).join(''));
    return parts.join(' ');
  });
}
