import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tokenizers from '@huggingface/tokenizers';
import { decodeHTML, replaceCodePoint } from 'entities/decode';
import { InputError } from '../errors.js';
import type { TextTokenizer, TokenizedText } from './types.js';

/**
 * Reproduces the original OpenAI CLIP tokenizer (`clip.tokenize(text, truncate=True)`, ftfy left
 * out) on top of the BPE model of a transformers.js tokenizer.
 *
 * Only the BPE model (vocabulary and merges) comes from @huggingface/tokenizers. Its normalizer and
 * pre-tokenizer are bypassed because they differ from the original: NFC normalisation (the
 * original keeps `e\u0301` decomposed), JavaScript's `\s` (includes U+FEFF, misses U+0085), no
 * HTML unescaping, and truncation after the end token is added (long prompts lose it).
 */

/** What is used of @huggingface/tokenizers' BPE model; it appends the `</w>` suffix itself. */
interface BpeModel {
  encode(tokens: string[]): string[];
  readonly tokens_to_ids: ReadonlyMap<string, number>;
}

/**
 * The package's own .d.ts re-exports without file extensions, which NodeNext resolution cannot
 * follow, so the one class used is typed here.
 */
const { BPE } = tokenizers as unknown as { BPE: new (config: Record<string, unknown>) => BpeModel };

/** The two files of a tokenizer folder that the CLIP tokenizer needs, parsed. */
export interface ClipTokenizerFiles {
  /** tokenizer.json: its `model` must be a BPE model with a vocabulary and merges. */
  readonly tokenizer: unknown;
  /** tokenizer_config.json: `model_max_length` is the context length. */
  readonly config: unknown;
  /** Names the files in errors. */
  readonly where: string;
}

const START_TOKEN = '<|startoftext|>';
const END_TOKEN = '<|endoftext|>';

/**
 * The original pads with zeros. Padding never reaches the embedding: the text transformer is
 * causal and pools the hidden state at the end token (the argmax of the ids), so positions after
 * it are invisible to that state. Zero keeps padded batches byte-identical to the reference.
 */
const PAD_TOKEN_ID = 0;

/**
 * The original uses the `regex` module, whose `\s` is Unicode White_Space; JavaScript's `\s`
 * differs (U+FEFF in, U+0085 out), hence the explicit property.
 */
const WHITE_SPACE_RUN = /\p{White_Space}+/gu;

/** Python's str.isspace(): White_Space plus U+001C..U+001F, all in the BMP. */
const PY_SPACE = /^[\p{White_Space}\x1c-\x1f]$/u;

/**
 * The original's pre-token pattern, compiled with IGNORECASE. On lower-cased text the flag only
 * matters where case folding reaches beyond ASCII: U+017F (long s) folds to `s`, and U+0345
 * folds to a letter, which takes it out of the symbol class without putting it in `\p{L}`, so
 * the original silently drops it. JavaScript's `i` flag would fold differently, so both are
 * spelled out.
 */
const PRE_TOKEN =
  /<\|[s\u017f]tartoftext\|>|<\|endoftext\|>|'[s\u017f]|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}\u0345]+/gu;

/** Python's html.unescape reference pattern; names are capped at 32 code points. */
const CHAR_REF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

/** Code points that Python's html.unescape deletes when a numeric reference names them. */
function isDroppedCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    cp === 0x7f ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

/**
 * entities maps NUL, C1 controls (Windows-1252), surrogates and out-of-range values exactly as
 * Python does, but keeps the noncharacters and controls that Python deletes.
 */
function decodeNumericRef(ref: string): string {
  const hex = ref[1] === 'x' || ref[1] === 'X';
  const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
  const cp = Number.parseInt(digits, hex ? 16 : 10);
  const replaced = replaceCodePoint(cp);
  if (replaced === cp && isDroppedCodePoint(cp)) return '';
  return String.fromCodePoint(replaced);
}

/**
 * One pass of Python's html.unescape. References are found with Python's own pattern, so a
 * pass never decodes what it produced; entities' legacy decoding matches Python's
 * longest-prefix rule for names without a semicolon (`&notit;` gives `¬it;`).
 */
export function pythonHtmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHAR_REF, (whole: string, ref: string) => (ref.startsWith('#') ? decodeNumericRef(ref) : decodeHTML(whole)));
}

function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.test(text.charAt(start))) start++;
  while (end > start && PY_SPACE.test(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}

/** basic_clean (ftfy omitted) then whitespace_clean, then lower(), as the original does. */
export function cleanClipText(text: string): string {
  const basic = pythonStrip(pythonHtmlUnescape(pythonHtmlUnescape(text)));
  return pythonStrip(basic.replace(WHITE_SPACE_RUN, ' ')).toLowerCase();
}

/** GPT-2's reversible byte-to-character table: printable bytes map to themselves. */
function buildByteTable(): string[] {
  const table: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    table.push(String.fromCodePoint(printable ? byte : 256 + shifted++));
  }
  return table;
}

const BYTE_TABLE = buildByteTable();
const UTF8 = new TextEncoder();

function toByteLevel(piece: string): string {
  let out = '';
  for (const byte of UTF8.encode(piece)) out += BYTE_TABLE[byte];
  return out;
}

/**
 * The BPE model of @huggingface/tokenizers (what transformers.js runs inside), built from the
 * public `BPE` class rather than reached through a private field of a loaded tokenizer.
 */
function bpeModel(files: ClipTokenizerFiles): BpeModel {
  const model = isRecord(files.tokenizer) ? files.tokenizer.model : undefined;
  if (!isRecord(model) || model.type !== 'BPE' || !isRecord(model.vocab) || !Array.isArray(model.merges)) {
    throw new InputError(`${files.where}: tokenizer.json has no BPE model with a vocabulary and merges; is it a CLIP tokenizer?`);
  }
  return new BPE(model);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireId(vocab: ReadonlyMap<string, number>, token: string): number {
  const id = vocab.get(token);
  if (id === undefined) throw new Error(`Tokenizer vocabulary lacks ${token}; is it a CLIP tokenizer?`);
  return id;
}

export function readContextLength(files: ClipTokenizerFiles): number {
  const length = isRecord(files.config) ? files.config.model_max_length : undefined;
  // Tokenizers without a limit report a huge sentinel (1e30); CLIP's text tower has a fixed one.
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 2 || length > 1_000_000) {
    throw new InputError(`${files.where}: tokenizer_config.json model_max_length ${String(length)} is not a usable context length`);
  }
  return length;
}

/** Prompt sets repeat a few thousand distinct words; beyond this many the cache starts over. */
const PIECE_CACHE_LIMIT = 100_000;

/**
 * The original looks special tokens up only when a pre-token spells them exactly, so they seed
 * the cache and everything else (`<|ſtartoftext|>` included) goes through BPE.
 */
function makePieceEncoder(model: BpeModel, specials: ReadonlyMap<string, number>): (piece: string) => readonly number[] {
  const cache = new Map<string, readonly number[]>();
  return (piece) => {
    const special = specials.get(piece);
    if (special !== undefined) return [special];
    let ids = cache.get(piece);
    if (ids === undefined) {
      ids = model.encode([toByteLevel(piece)]).map((token) => requireId(model.tokens_to_ids, token));
      if (cache.size >= PIECE_CACHE_LIMIT) cache.clear();
      cache.set(piece, ids);
    }
    return ids;
  };
}

function makeBpeEncoder(model: BpeModel, specials: ReadonlyMap<string, number>): (text: string) => number[] {
  const pieceIds = makePieceEncoder(model, specials);
  return (text) => {
    const ids: number[] = [];
    for (const piece of cleanClipText(text).match(PRE_TOKEN) ?? []) ids.push(...pieceIds(piece));
    return ids;
  };
}

/**
 * Over-long prompts are cut like the original: the first contextLength - 2 BPE ids, then the end
 * token, so the argmax pooling still finds the end token.
 */
export function createClipTokenizer(files: ClipTokenizerFiles): TextTokenizer {
  const model = bpeModel(files);
  const contextLength = readContextLength(files);
  const startId = requireId(model.tokens_to_ids, START_TOKEN);
  const endId = requireId(model.tokens_to_ids, END_TOKEN);
  const encode = makeBpeEncoder(
    model,
    new Map([
      [START_TOKEN, startId],
      [END_TOKEN, endId],
    ]),
  );
  const keep = contextLength - 2;
  const tokenizeOne = (text: string): TokenizedText => {
    const bpe = encode(text);
    return { text, ids: [startId, ...bpe.slice(0, keep), endId], truncated: bpe.length > keep };
  };
  return { contextLength, padTokenId: PAD_TOKEN_ID, padding: `longest:${PAD_TOKEN_ID}`, tokenize: (texts) => texts.map(tokenizeOne) };
}

/** Reads tokenizer.json and tokenizer_config.json of a model folder. */
export async function readClipTokenizerFiles(folder: string): Promise<ClipTokenizerFiles> {
  const read = async (name: string): Promise<unknown> => {
    const file = join(folder, name);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as unknown;
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : error instanceof Error ? error.message : String(error);
      throw new InputError(`cannot read tokenizer file ${file}: ${reason}`, { cause: error });
    }
  };
  const [tokenizer, config] = await Promise.all([read('tokenizer.json'), read('tokenizer_config.json')]);
  return { tokenizer, config, where: folder };
}
