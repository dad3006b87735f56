#!/usr/bin/python3
"""Writes test/reference/goldens/tokens-cleaning.json: the token ids of the original CLIP
tokenizer for the text-cleaning edge cases of test/tokenizer.test.ts (doubly escaped entities,
Unicode whitespace and controls, U+0345, the long s, literal special tokens, ...), and what
CPython's html.unescape makes of a set of entity edge cases.

These cases are not in goldens/tokens-visible.json, so they are computed here with a
re-implementation of openai/CLIP's simple_tokenizer.py that follows the original line by line:
  - the `regex` module (not `re`: the pattern needs \\p{L} / \\p{N}, and what it does with U+0345
    and the long s under IGNORECASE is the point of several cases), as the original imports it;
  - basic_clean = html.unescape twice, then str.strip; ftfy.fix_text replaced by identity, as for
    the goldens (tokens-visible.json's `about` says so);
  - whitespace_clean, lower case, byte-level BPE with the original merge ranks;
  - clip.tokenize(text, truncate=True), without the zero padding.
The vocabulary is rebuilt from merges.txt exactly as simple_tokenizer builds it from
bpe_simple_vocab_16e6.txt.gz and checked against the committed vocab.json; the re-implementation
is checked against every case of goldens/tokens-visible.json before anything is written.

Usage (from the project root; Debian's python3 3.11 with python3-regex):
  /usr/bin/python3 tools/reference/tokenizer_cleaning.py           # compare with the committed file
  /usr/bin/python3 tools/reference/tokenizer_cleaning.py --write   # rewrite it
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[2]
TOKENIZER = ROOT / 'tools/fixtures/clip-tokenizer'
GOLDENS = ROOT / 'test/reference/goldens'
OUT = GOLDENS / 'tokens-cleaning.json'
CONTEXT_LENGTH = 77

# (name, text): the names are the test titles in test/tokenizer.test.ts.
CASES: list[tuple[str, str]] = [
    ('double-escaped entity', 'rock &amp;amp; roll'),
    ('only two unescape passes', 'rock &amp;amp;amp; roll'),
    ('entities and ideographic space', 'a&nbsp;photo&#12288;of\u3000a\tcat'),
    ('tabs, newlines, em and ideographic spaces', '\t\n a \u2003 photo \u3000'),
    ('U+001C inside is not regex whitespace', 'a\x1cb'),
    ('U+001C..U+001F at the edges are stripped', '\x1c\x1fa cat\x1e\x1d'),
    ('U+0085 is whitespace', 'a\x85b'),
    ('U+FEFF is not whitespace', 'a\ufeffb'),
    ('no NFC normalisation', 'a cafe\u0301'),
    ('numeric reference to a control is deleted', '&#1;x'),
    ('legacy names without semicolon', '&notit; &copy2'),
    ('U+0345 is dropped by the case-insensitive pattern', 'a\u0345b'),
    ('long s matches the contraction', "it'\u017f"),
    ('a literal end token is the end token', 'a<|endoftext|>b'),
    ('a case-folded start token is plain text', '<|\u017ftartoftext|>'),
]

# Inputs for pythonHtmlUnescape; the expected output is CPython's html.unescape, once.
UNESCAPE: list[str] = [
    '&notit;', '&amp;amp;', '&#38;amp;', '&ampx', '&AMP', '&#65', '&#x80;', '&#x81;', '&#0;',
    '&#xD800;', '&#x110000;', '&#1;', '&#xfffe;', '&#128512;', '&lt\rx', '&' + 'a' * 40,
]


def bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word: tuple[str, ...]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(word, word[1:])}


def basic_clean(text: str) -> str:
    # ftfy.fix_text left out, as for the goldens.
    return html.unescape(html.unescape(text)).strip()


def whitespace_clean(text: str) -> str:
    return regex.sub(r'\s+', ' ', text).strip()


class SimpleTokenizer:
    def __init__(self) -> None:
        self.byte_encoder = bytes_to_unicode()
        lines = (TOKENIZER / 'merges.txt').read_text(encoding='utf-8').split('\n')
        merges = [tuple(m.split()) for m in lines[1 : 49152 - 256 - 2 + 1]]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + '</w>' for v in vocab]
        vocab += [''.join(m) for m in merges]
        vocab += ['<|startoftext|>', '<|endoftext|>']
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {'<|startoftext|>': '<|startoftext|>', '<|endoftext|>': '<|endoftext|>'}
        self.pat = regex.compile(
            r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
            regex.IGNORECASE,
        )

    def bpe(self, token: str) -> str:
        if token in self.cache:
            return self.cache[token]
        word: tuple[str, ...] = tuple(token[:-1]) + (token[-1] + '</w>',)
        pairs = get_pairs(word)
        if not pairs:
            return token + '</w>'
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float('inf')))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word: list[str] = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        out = ' '.join(word)
        self.cache[token] = out
        return out

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        text = whitespace_clean(basic_clean(text)).lower()
        for token in regex.findall(self.pat, text):
            token = ''.join(self.byte_encoder[b] for b in token.encode('utf-8'))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(' '))
        return ids

    def tokenize(self, text: str) -> list[int]:
        """clip.tokenize(text, truncate=True) without the zero padding."""
        sot, eot = self.encoder['<|startoftext|>'], self.encoder['<|endoftext|>']
        tokens = [sot] + self.encode(text) + [eot]
        if len(tokens) > CONTEXT_LENGTH:
            tokens = tokens[:CONTEXT_LENGTH]
            tokens[-1] = eot
        return tokens


def build() -> dict:
    tokenizer = SimpleTokenizer()
    committed_vocab = json.loads((TOKENIZER / 'vocab.json').read_text(encoding='utf-8'))
    if committed_vocab != tokenizer.encoder:
        sys.exit(f'{TOKENIZER}/vocab.json is not the vocabulary simple_tokenizer builds from merges.txt')
    goldens = json.loads((GOLDENS / 'tokens-visible.json').read_text(encoding='utf-8'))['cases']
    wrong = [c['text'] for c in goldens if tokenizer.tokenize(c['text']) != c['ids']]
    if wrong:
        sys.exit(f'the re-implementation differs from tokens-visible.json on {len(wrong)} case(s), e.g. {wrong[:3]!r}')
    return {
        'about': 'Token ids of the original CLIP tokenizer (openai/CLIP simple_tokenizer, clip.tokenize(text, truncate=True), '
        'unpadded; ftfy.fix_text replaced by identity) for text-cleaning edge cases, and CPython html.unescape outputs.',
        'generatedBy': 'tools/reference/tokenizer_cleaning.py',
        'versions': {'python': sys.version.split()[0], 'regex': regex.__version__},
        'checkedAgainst': f'goldens/tokens-visible.json ({len(goldens)} cases reproduced)',
        'cases': [{'name': name, 'text': text, 'ids': tokenizer.tokenize(text)} for name, text in CASES],
        'unescape': [{'input': text, 'expected': html.unescape(text)} for text in UNESCAPE],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--write', action='store_true', help=f'rewrite {OUT.relative_to(ROOT)}')
    args = parser.parse_args()
    data = build()
    if args.write:
        OUT.write_text(json.dumps(data, indent=1, ensure_ascii=True) + '\n', encoding='utf-8')
        print(f'wrote {OUT.relative_to(ROOT)}: {len(data["cases"])} token cases, {len(data["unescape"])} unescape cases')
        return
    committed = json.loads(OUT.read_text(encoding='utf-8'))
    # The interpreter versions may differ from the ones that wrote the file; the data may not.
    differs = [key for key in ('cases', 'unescape') if committed.get(key) != data[key]]
    if differs:
        sys.exit(f'{OUT.relative_to(ROOT)} differs from a fresh computation in: {", ".join(differs)} (--write rewrites it)')
    print(f'{OUT.relative_to(ROOT)} matches: {len(data["cases"])} token cases, {len(data["unescape"])} unescape cases')


if __name__ == '__main__':
    main()
