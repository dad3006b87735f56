import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cleanClipText,
  createClipTokenizer,
  loadClipTokenizer,
  pythonHtmlUnescape,
  readClipTokenizerFiles,
} from '../src/model/tokenizer.js';
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

/*
 * Expected values below were computed once with a Python re-implementation of openai/CLIP's
 * simple_tokenizer (`regex` module, html.unescape twice, ftfy as identity; it reproduces all 687
 * golden cases) and, for unescaping, with CPython 3.11's html.unescape.
 */
describe('text cleaning like the original', () => {
  it.each([
    ['double-escaped entity', 'rock &amp;amp; roll', [START, 2172, 261, 3341, END]],
    ['only two unescape passes', 'rock &amp;amp;amp; roll', [START, 2172, 261, 6259, 282, 3341, END]],
    ['entities and ideographic space', 'a&nbsp;photo&#12288;of\u3000a\tcat', [START, 320, 1125, 539, 320, 2368, END]],
    ['tabs, newlines, em and ideographic spaces', '\t\n a \u2003 photo \u3000', [START, 320, 1125, END]],
    ['U+001C inside is not regex whitespace', 'a\x1cb', [START, 320, 472, 321, END]],
    ['U+001C..U+001F at the edges are stripped', '\x1c\x1fa cat\x1e\x1d', [START, 320, 2368, END]],
    ['U+0085 is whitespace', 'a\x85b', [START, 320, 321, END]],
    ['U+FEFF is not whitespace', 'a\ufeffb', [START, 320, 171, 119, 379, 321, END]],
    ['no NFC normalisation', 'a cafe\u0301', [START, 320, 4979, 136, 479, END]],
    ['numeric reference to a control is deleted', '&#1;x', [START, 343, END]],
    ['legacy names without semicolon', '&notit; &copy2', [START, 126, 361, 585, 282, 5811, 273, END]],
    ['U+0345 is dropped by the case-insensitive pattern', 'a\u0345b', [START, 320, 321, END]],
    ['long s matches the contraction', "it'\u017f", [START, 585, 6, 129, 379, END]],
    ['a literal end token is the end token', 'a<|endoftext|>b', [START, 320, END, 321, END]],
    ['a case-folded start token is plain text', '<|\u017ftartoftext|>', [START, 27, 91, 129, 123, 2002, 6659, 18169, 91, 285, END]],
  ] as const)('%s', (_name, text, expected) => {
    expect(idsOf(text)).toEqual(expected);
  });

  it.each([
    ['&notit;', '\u00acit;'],
    ['&amp;amp;', '&amp;'],
    ['&#38;amp;', '&amp;'],
    ['&ampx', '&x'],
    ['&AMP', '&'],
    ['&#65', 'A'],
    ['&#x80;', '\u20ac'],
    ['&#x81;', '\x81'],
    ['&#0;', '\ufffd'],
    ['&#xD800;', '\ufffd'],
    ['&#x110000;', '\ufffd'],
    ['&#1;', ''],
    ['&#xfffe;', ''],
    ['&#128512;', '\u{1f600}'],
    ['&lt\rx', '<\rx'],
    [`&${'a'.repeat(40)}`, `&${'a'.repeat(40)}`],
  ])('unescapes %j like html.unescape', (input, expected) => {
    expect(pythonHtmlUnescape(input)).toBe(expected);
  });

  it('collapses whitespace runs, strips and lower-cases', () => {
    expect(cleanClipText('  A\u3000\u3000Photo\t&amp;amp;\x1c ')).toBe('a photo &');
  });
});


