import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClipTokenizer } from '../src/model/loadTokenizer.js';
import { cleanClipText, createClipTokenizer, pythonHtmlUnescape, readClipTokenizerFiles } from '../src/model/tokenizer.js';
import type { TextTokenizer } from '../src/model/types.js';

const TOKENIZER_DIR = fileURLToPath(new URL('../tools/fixtures/clip-tokenizer', import.meta.url));
const REFERENCE = new URL('./reference/', import.meta.url);
const START = 49406;
const END = 49407;

interface GoldenCase {
  readonly text: string;
  readonly ids: readonly number[];
}

function readJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, REFERENCE), 'utf8')) as T;
}

let tokenizer: TextTokenizer;

beforeAll(async () => {
  tokenizer = await loadClipTokenizer(TOKENIZER_DIR, { localFilesOnly: true });
});

function idsOf(text: string): readonly number[] {
  const [result] = tokenizer.tokenize([text]);
  if (result === undefined) throw new Error('tokenize returned nothing');
  return result.ids;
}

describe('golden ids of the original CLIP tokenizer', () => {
  it('reproduces every case of tokens-visible.json exactly', () => {
    const { cases } = readJson<{ cases: GoldenCase[] }>('goldens/tokens-visible.json');
    expect(cases.length).toBeGreaterThan(0);
    const results = tokenizer.tokenize(cases.map((c) => c.text));
    const mismatches = cases
      .map((c, i) => ({ text: c.text, expected: c.ids, actual: results[i]?.ids }))
      .filter((m) => JSON.stringify(m.expected) !== JSON.stringify(m.actual));
    expect(mismatches).toEqual([]);
  });
});

describe('tokenizer shape', () => {
  it('takes contextLength from model_max_length and pads with 0 like clip.tokenize', () => {
    expect(tokenizer.contextLength).toBe(77);
    expect(tokenizer.padTokenId).toBe(0);
  });

  it('returns unpadded ids wrapped in start and end tokens', () => {
    const [result] = tokenizer.tokenize(['a photo of a tow truck.']);
    expect(result).toEqual({
      text: 'a photo of a tow truck.',
      ids: [START, 320, 1125, 539, 320, 18653, 4629, 269, END],
      truncated: false,
    });
    expect(idsOf('')).toEqual([START, END]);
  });

  it('agrees with transformers.js on plain prompts, whose BPE model it shares', async () => {
    const hf = await AutoTokenizer.from_pretrained(TOKENIZER_DIR, { local_files_only: true });
    const own = createClipTokenizer(await readClipTokenizerFiles(TOKENIZER_DIR));
    for (const text of ['rock and roll', 'a photo of a tow truck.', 'itap of my 3 cats!']) {
      expect(own.tokenize([text])[0]?.ids).toEqual(hf.encode(text));
    }
  });

  it('names the folder when tokenizer.json is not a BPE tokenizer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clipbench-tok-'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'Unigram', vocab: [] } }));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 77 }));
    await expect(loadClipTokenizer(dir)).rejects.toThrow(`${dir}: tokenizer.json has no BPE model`);
  });

  it('loads a folder given as a relative path', async () => {
    const fromRelative = await loadClipTokenizer(relative(process.cwd(), TOKENIZER_DIR), { localFilesOnly: true });
    expect(fromRelative.tokenize(['a photo of a cat.'])[0]?.ids).toEqual(idsOf('a photo of a cat.'));
  });
});

describe('truncation like clip.tokenize(truncate=True)', () => {
  const very = (n: number): string => 'very '.repeat(n);

  it('keeps 75 BPE tokens and puts the end token at position 77', () => {
    const [result] = tokenizer.tokenize([`a photo of a ${very(100)}big dog`]);
    expect(result?.truncated).toBe(true);
    expect(result?.ids).toHaveLength(77);
    expect(result?.ids[0]).toBe(START);
    expect(result?.ids[76]).toBe(END);
    expect(result?.ids.slice(5, 76).every((id) => id === 1070)).toBe(true);
  });

  it('does not flag a prompt of exactly 75 BPE tokens', () => {
    const [result] = tokenizer.tokenize([very(75)]);
    expect(result?.truncated).toBe(false);
    expect(result?.ids).toHaveLength(77);
    expect(result?.ids[76]).toBe(END);
  });

  it('gives identical ids to long prompts that differ only after the 75th token', () => {
    // 74 × "very" + "red" fill the 75 kept BPE slots; "dog" / "cat" would be the 76th.
    const [dog, cat] = tokenizer.tokenize([`${very(74)}red dog`, `${very(74)}red cat`]);
    expect(dog?.truncated).toBe(true);
    expect(dog?.ids).toEqual(cat?.ids);
  });

  it('keeps long prompts apart when they differ within the first 75 tokens', () => {
    const [red, blue] = tokenizer.tokenize([`${very(74)}red dog`, `${very(74)}blue dog`]);
    expect(red?.truncated).toBe(true);
    expect(blue?.truncated).toBe(true);
    expect(red?.ids).not.toEqual(blue?.ids);
  });
});

interface CleaningGoldens {
  readonly cases: readonly { readonly name: string; readonly text: string; readonly ids: readonly number[] }[];
  readonly unescape: readonly { readonly input: string; readonly expected: string }[];
}

/*
 * Edge cases of the original's cleaning that tokens-visible.json does not cover. Their ids come
 * from tools/reference/tokenizer_cleaning.py: a line-by-line Python re-implementation of openai/CLIP's
 * simple_tokenizer (`regex` module, html.unescape twice, ftfy as identity) that first reproduces
 * every case of tokens-visible.json; the unescape outputs are CPython 3.11's html.unescape.
 */
const cleaning = readJson<CleaningGoldens>('goldens/tokens-cleaning.json');

describe('text cleaning like the original', () => {
  it('has the reference cases', () => {
    expect(cleaning.cases).toHaveLength(15);
    expect(cleaning.unescape).toHaveLength(16);
  });

  it.each(cleaning.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(idsOf(c.text)).toEqual(c.ids);
  });

  it.each(cleaning.unescape.map((c) => [c.input, c.expected] as const))('unescapes %j like html.unescape', (input, expected) => {
    expect(pythonHtmlUnescape(input)).toBe(expected);
  });

  it('collapses whitespace runs, strips and lower-cases', () => {
    expect(cleanClipText('  A\u3000\u3000Photo\t&amp;amp;\x1c ')).toBe('a photo &');
  });
});
