import * as tokenizers from '@huggingface/tokenizers';
import { InputError } from '../errors.js';
import { readContextLength, type ClipTokenizerFiles } from './tokenizer.js';
import type { TextTokenizer, TokenizedText } from './types.js';

/**
 * SigLIP's text pipeline as Hugging Face transformers runs it (SiglipTokenizer with
 * `padding="max_length"`, `truncation=True`): canonicalise the text, SentencePiece unigram pieces,
 * `</s>` appended (no BOS), cut to model_max_length − 1 pieces so `</s>` is always kept (HF's
 * truncation leaves room for it; transformers.js cuts after adding it and loses it), padded on the
 * right with the pad token (`</s>`) to exactly model_max_length. No attention mask: the text tower
 * pools the last position, so the embedding depends on padding to exactly that length.
 */

interface UnigramTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}

/** The package's .d.ts re-exports without extensions, which NodeNext cannot follow: the one class used, typed here. */
const { Tokenizer } = tokenizers as unknown as { Tokenizer: new (json: unknown, config: unknown) => UnigramTokenizer };

/** Python's `string.punctuation`: the 32 ASCII punctuation characters, and nothing else. */
const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
/**
 * Python's whitespace (str.isspace, what `re`'s `\s` matches in str patterns), as a character
 * class: JavaScript's `\s` adds U+FEFF and misses U+001C–001F and U+0085.
 */
const PY_SPACE = String.raw`[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`;
const PY_WHITESPACE_RUN = new RegExp(`${PY_SPACE}+`, 'g');
const PY_WHITESPACE_EDGES = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/**
 * HF SiglipTokenizer's `canonicalize_text` (with do_lower_case): U+2581 as a space, lowercase,
 * ASCII punctuation removed, whitespace runs collapsed to one space, stripped. Idempotent, so it is
 * safe whether or not the tokenizer.json also encodes it.
 */
export function canonicalizeSiglipText(text: string, lowercase: boolean): string {
  const spaced = text.replace(/\u2581/g, ' ');
  return (lowercase ? spaced.toLowerCase() : spaced)
    .replace(ASCII_PUNCTUATION, '')
    .replace(PY_WHITESPACE_RUN, ' ')
    .replace(PY_WHITESPACE_EDGES, '');
}

export function createSiglipTokenizer(files: ClipTokenizerFiles): TextTokenizer {
  const config = (files.config ?? {}) as { do_lower_case?: unknown; eos_token?: unknown; pad_token?: unknown };
  const contextLength = readContextLength(files);
  const tokenizer = new Tokenizer(files.tokenizer, files.config);
  const eos = tokenId(tokenizer, config.eos_token, 'eos_token', files.where);
  const pad = tokenId(tokenizer, config.pad_token ?? config.eos_token, 'pad_token', files.where);
  const lowercase = config.do_lower_case !== false;
  const tokenizeOne = (text: string): TokenizedText => {
    const pieces = tokenizer.encode(canonicalizeSiglipText(text, lowercase), { add_special_tokens: false }).ids;
    return { text, ids: [...pieces.slice(0, contextLength - 1), eos], truncated: pieces.length > contextLength - 1 };
  };
  return {
    contextLength,
    padTokenId: pad,
    padLength: contextLength,
    padding: `max_length:${contextLength}:${pad}`,
    tokenize: (texts) => texts.map(tokenizeOne),
  };
}

/** A special token's id, found by encoding it alone (it is an added token, never split). */
function tokenId(tokenizer: UnigramTokenizer, token: unknown, field: string, where: string): number {
  const ids = typeof token === 'string' ? tokenizer.encode(token, { add_special_tokens: false }).ids : [];
  if (ids.length !== 1)
    throw new InputError(`${where}: tokenizer_config.json ${field} ${JSON.stringify(token)} is not one token of the vocabulary`);
  return ids[0]!;
}
