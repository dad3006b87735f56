import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from './types.js';

const BLOCK = 512;
/** GNU long names and pax records are a few hundred bytes; more means a corrupt size field. */
const MAX_META_SIZE = 1 << 20;
/** Regular files: '0', the pre-POSIX NUL, and '7' (contiguous file, read as a regular one). */
const REGULAR_TYPES = new Set(['0', '\0', '7']);

/** A regular file in a tar archive: where its data lies, so it can be read later by one positional read. */
export interface TarMember {
  readonly kind: 'member';
  /** Its path in the archive, with the ustar prefix, a GNU long name or a pax `path` applied. */
  readonly name: string;
  /** Byte offset of its data in the archive. */
  readonly offset: number;
  readonly size: number;
  /** The archive ends before the data does (a truncated download). */
  readonly truncated: boolean;
}

/** The archive ends inside a header: `name` is what can be read of it. */
export interface TarCut {
  readonly kind: 'cut';
  readonly offset: number;
  readonly name?: string;
}

export type TarEntry = TarMember | TarCut;

/** An open archive read by positional reads only, so memory does not grow with its size. */
export class TarFile {
  readonly size: number;
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** Up to `length` bytes at `offset`: fewer at the end of the file. */
  read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Uint8Array {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, into, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return into.subarray(0, done);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The regular files of an uncompressed tar archive, in archive order, from its 512-byte headers
 * alone: each member's data is skipped by its size (rounded up to 512), never read; only GNU
 * long-name ('L') and pax ('x') records, which name the next member, are. Directories, links and
 * other types are passed over. Stops at the first zero block or at the end of the file; a member
 * whose data runs past the end comes out marked `truncated`, and a header cut short as a TarCut.
 */
export function* tarEntries(tar: TarFile): Generator<TarEntry> {
  const header = new Uint8Array(BLOCK);
  let next: { name?: string; size?: number } = {};
  for (let pos = 0; ; ) {
    const block = tar.read(pos, BLOCK, header);
    if (pos === 0) checkStart(block, tar.path);
    if (block.length === 0 || isZero(block)) return;
    if (block.length < BLOCK) {
      yield { kind: 'cut', offset: pos, ...(block.length >= 100 ? { name: cString(block.subarray(0, 100)) } : {}) };
      return;
    }
    checkHeader(block, tar.path, pos);
    const type = String.fromCharCode(block[156]!);
    const size = next.size ?? headerNumber(block.subarray(124, 136), tar.path, pos, 'size');
    const dataStart = pos + BLOCK;
    const truncated = dataStart + size > tar.size;
    if (type === 'L' || type === 'x') {
      if (truncated) {
        yield { kind: 'cut', offset: pos };
        return;
      }
      const data = readMeta(tar, dataStart, size, pos);
      next = type === 'L' ? { ...next, name: cString(data) } : { ...next, ...paxRecords(data, tar.path, pos) };
    } else if (type === 'g' || type === 'K') {
      // A global pax header and a GNU long link name say nothing about the next member's path.
    } else {
      if (REGULAR_TYPES.has(type)) {
        const name = next.name ?? headerName(block);
        if (!name.endsWith('/')) yield { kind: 'member', name, offset: dataStart, size, truncated };
      }
      next = {};
    }
    if (truncated) return;
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
}

const COMPRESSED: readonly { readonly magic: readonly number[]; readonly what: string; readonly fix: string }[] = [
  { magic: [0x1f, 0x8b], what: 'gzip', fix: 'gunzip -k' },
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2', fix: 'bunzip2 -k' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz', fix: 'unxz -k' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd', fix: 'unzstd' },
];

/** The advice for a compressed shard, shared by the name check (.tar.gz) and the content check. */
export function compressedShardError(file: string, what: string, fix: string): InputError {
  return new InputError(
    `${file} is ${what}-compressed: WebDataset shards are read here as plain .tar, because reading an image ` +
      `by seeking to it (what keeps memory flat) needs uncompressed data; decompress it first (${fix} ${file})`,
  );
}

/** A compressed archive (renamed .tar) or a file too short to be one is told apart from a damaged shard. */
function checkStart(block: Uint8Array, file: string): void {
  const packed = COMPRESSED.find((c) => c.magic.every((b, i) => block[i] === b));
  if (packed !== undefined) throw compressedShardError(file, packed.what, packed.fix);
  if (block.length > 0 && block.length < BLOCK) throw new InputError(`${file} is not a tar file (${block.length} bytes, less than one tar header)`);
}

function checkHeader(block: Uint8Array, file: string, pos: number): void {
  const stored = checksumField(block);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored === unsigned || stored === signed) return;
  if (pos === 0) throw new InputError(`${file} is not a tar file (no tar header at its start)`);
  throw new InputError(`${file}: corrupt tar header at byte ${pos} (checksum mismatch): the shard is damaged; re-download or re-write it`);
}

/** NaN when the field is not octal: then no sum matches, as for any other damage. */
function checksumField(block: Uint8Array): number {
  return octal(block.subarray(148, 156));
}

/** An octal field (NUL or space terminated), or GNU's base-256 form for values octal cannot hold. */
function headerNumber(field: Uint8Array, file: string, pos: number, what: string): number {
  if ((field[0]! & 0x80) !== 0) {
    if (field[0] !== 0x80) throw new InputError(`${file}: tar header at byte ${pos} has a negative ${what}: the shard is damaged`);
    return field.subarray(1).reduce((value, byte) => value * 256 + byte, 0);
  }
  const value = octal(field);
  if (Number.isNaN(value)) throw new InputError(`${file}: tar header at byte ${pos} has an unreadable ${what} field: the shard is damaged`);
  return value;
}

/**
 * Octal digits after optional spaces, ended by a NUL, a space or the field's end; NaN for anything
 * else. Byte by byte: this runs twice per header, and strings and regular expressions here were a
 * third of the indexing time.
 */
function octal(field: Uint8Array): number {
  let i = 0;
  while (i < field.length && field[i] === 0x20) i++;
  let value = 0;
  for (; i < field.length; i++) {
    const byte = field[i]!;
    if (byte === 0 || byte === 0x20) break;
    if (byte < 0x30 || byte > 0x37) return NaN;
    value = value * 8 + (byte - 0x30);
  }
  for (; i < field.length; i++) if (field[i] !== 0 && field[i] !== 0x20) return NaN;
  return value;
}

/** name, with POSIX ustar's prefix field; GNU's "ustar  " headers use those bytes for other fields. */
function headerName(block: Uint8Array): string {
  const name = cString(block.subarray(0, 100));
  const posix = cString(block.subarray(257, 263)) === 'ustar' && block[262] === 0;
  const prefix = posix ? cString(block.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function readMeta(tar: TarFile, offset: number, size: number, pos: number): Uint8Array {
  if (size > MAX_META_SIZE) throw new InputError(`${tar.path}: tar header at byte ${pos} names a ${size}-byte long name or pax record: the shard is damaged`);
  return tar.read(offset, size);
}

/** pax records, `<length> <key>=<value>\n`: `path` and `size` override the next header's fields. */
function paxRecords(data: Uint8Array, file: string, pos: number): { name?: string; size?: number } {
  const out: { name?: string; size?: number } = {};
  for (let at = 0; at < data.length && data[at] !== 0; ) {
    const space = data.indexOf(0x20, at);
    const length = space < 0 ? NaN : Number(String.fromCharCode(...data.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) {
      throw new InputError(`${file}: unreadable pax header at byte ${pos}: the shard is damaged`);
    }
    const record = UTF8.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.name = value;
    else if (key === 'size' && /^\d+$/.test(value)) out.size = Number(value);
    at += length;
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8');

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return UTF8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function isZero(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
}
