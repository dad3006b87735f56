import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tarStream, { type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/datasets/index.js';
import { expandShardPattern, hasBraceGroup, MAX_SHARDS } from '../src/datasets/shardPattern.js';
import { TarFile, tarEntries, type TarEntry, type TarMember } from '../src/datasets/tarIndex.js';
import { splitMemberName } from '../src/datasets/wdsSamples.js';
import { tempDir } from './helpers.js';

const hasGnuTar = spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout?.includes('GNU tar') === true;

/** A tar written by tar-stream, an implementation independent of the reader under test. */
async function packTar(entries: readonly { header: Partial<Header> & { name: string }; data?: Buffer }[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const { header, data } of entries) {
    await new Promise<void>((resolve, reject) => pack.entry(header, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * One raw 512-byte header, for what tar-stream does not write: GNU long names ('L'), GNU magic,
 * global pax headers, base-256 sizes.
 */
function rawHeader(name: string, size: number, type: string, { gnu = false, prefix = '', base256 = false } = {}): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  if (base256) {
    block[124] = 0x80;
    block.writeUIntBE(size, 136 - 6, 6);
  } else block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(type, 156);
  if (gnu) block.write('ustar  \0', 257, 'latin1');
  else block.write('ustar\u000000', 257, 'latin1');
  // In a GNU header these bytes are other fields: the reader must not take them as a name prefix.
  block.write(prefix, 345);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function writeTemp(bytes: Buffer, name = 'x.tar'): string {
  const file = path.join(tempDir('tar-index-'), name);
  writeFileSync(file, bytes);
  return file;
}

function entriesOf(file: string): TarEntry[] {
  const tar = new TarFile(file);
  try {
    return [...tarEntries(tar)];
  } finally {
    tar.close();
  }
}

function members(file: string): TarMember[] {
  return entriesOf(file).filter((e): e is TarMember => e.kind === 'member');
}

/** Each member's name and its bytes as read back by offset and length. */
function contents(file: string): Record<string, string> {
  const bytes = readFileSync(file);
  return Object.fromEntries(members(file).map((m) => [m.name, bytes.subarray(m.offset, m.offset + m.size).toString('utf8')]));
}

function thrown(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('shard patterns (braceexpand, as WebDataset expands them)', () => {
  it('expands zero-padded ranges as WebDataset writes them', () => {
    expect(expandShardPattern('test/{000000..000004}.tar')).toEqual(
      ['000000', '000001', '000002', '000003', '000004'].map((n) => `test/${n}.tar`),
    );
    expect(expandShardPattern('{08..11}.tar')).toEqual(['08.tar', '09.tar', '10.tar', '11.tar']);
    expect(expandShardPattern('{0..3}.tar')).toEqual(['0.tar', '1.tar', '2.tar', '3.tar']);
    expect(expandShardPattern('{0..10..5}.tar')).toEqual(['0.tar', '5.tar', '10.tar']);
    expect(expandShardPattern('{3..1}.tar')).toEqual(['3.tar', '2.tar', '1.tar']);
  });

  it('expands lists, nested groups and several groups, the first varying slowest', () => {
    expect(expandShardPattern('{train,val}/000.tar')).toEqual(['train/000.tar', 'val/000.tar']);
    expect(expandShardPattern('{a,b{1..2}}.tar')).toEqual(['a.tar', 'b1.tar', 'b2.tar']);
    expect(expandShardPattern('{a,b}-{0..1}.tar')).toEqual(['a-0.tar', 'a-1.tar', 'b-0.tar', 'b-1.tar']);
    expect(expandShardPattern('{x}{0..1}.tar')).toEqual(['{x}0.tar', '{x}1.tar']);
    expect(expandShardPattern('{a..c}.tar')).toEqual(['a.tar', 'b.tar', 'c.tar']);
  });

  it('tells patterns from plain names, and refuses a range that would not end', () => {
    expect(hasBraceGroup('shards/{000..009}.tar')).toBe(true);
    expect(hasBraceGroup('shards/{a,b}.tar')).toBe(true);
    expect(hasBraceGroup('shards/000.tar')).toBe(false);
    expect(hasBraceGroup('shards/{a}.tar')).toBe(false);
    expect(hasBraceGroup('shards/{000..009.tar')).toBe(false);
    const started = Date.now();
    expect(thrown(() => expandShardPattern('{0..999999999}.tar'))).toContain(`more than ${MAX_SHARDS}`);
    expect(thrown(() => expandShardPattern('{0..999}-{0..999}.tar'))).toContain(`more than ${MAX_SHARDS}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("WebDataset's key rule", () => {
  it('keys a member by its path up to the first dot of its file name', () => {
    expect(splitMemberName('0001.png')).toEqual({ key: '0001', extension: 'png' });
    expect(splitMemberName('a.b/c.seg.PNG')).toEqual({ key: 'a.b/c', extension: 'seg.png' });
    expect(splitMemberName('README')).toBeUndefined();
    expect(splitMemberName('.hidden.png')).toBeUndefined();
    // Python's regular expression backtracks to the folder: WebDataset reads this as key "dir/".
    expect(splitMemberName('dir/.hidden.png')).toEqual({ key: 'dir/', extension: 'hidden.png' });
  });
});

describe('tar index from headers alone', () => {
  it('lists regular files with their data ranges; ustar prefix and pax names; no directories or links', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/sample.png`; // > 100 bytes with a '/': ustar prefix
    const long = `${'k'.repeat(120)}.cls`; // > 100 bytes, no '/': tar-stream writes a pax path
    const utf8 = 'échantillon/clé.txt'; // not ASCII: a pax path too
    const file = writeTemp(
      await packTar([
        { header: { name: 'dir', type: 'directory' } },
        { header: { name: 'a.png' }, data: Buffer.from('A-bytes') },
        { header: { name: 'link.png', type: 'symlink', linkname: 'a.png' } },
        { header: { name: deep }, data: Buffer.from('deep') },
        { header: { name: long }, data: Buffer.from('7') },
        { header: { name: utf8 }, data: Buffer.from('un chat') },
        { header: { name: 'empty.cls' }, data: Buffer.alloc(0) },
        { header: { name: 'big.bin' }, data: Buffer.alloc(1500, 1) },
        { header: { name: 'after.txt' }, data: Buffer.from('last') },
      ]),
    );
    const found = contents(file);
    expect(Object.keys(found)).toEqual(['a.png', deep, long, utf8, 'empty.cls', 'big.bin', 'after.txt']);
    expect(found).toMatchObject({
      'a.png': 'A-bytes',
      [deep]: 'deep',
      [long]: '7',
      [utf8]: 'un chat',
      'empty.cls': '',
      'after.txt': 'last',
    });
    expect(readFileSync(file).subarray(0, 100).includes(Buffer.from('sample.png'))).toBe(false); // the prefix was really used
  });

  it("reads GNU long names, ignores a GNU header's prefix bytes, skips global pax headers, reads base-256 sizes", () => {
    const longName = `${'g'.repeat(150)}/sample.jpg`;
    const bytes = Buffer.concat([
      rawHeader('pax_global_header', 20, 'g'),
      padded(Buffer.from('20 comment=ignored\n')),
      rawHeader('././@LongLink', longName.length + 1, 'L', { gnu: true }),
      padded(Buffer.from(`${longName}\0`)),
      rawHeader(longName.slice(0, 100), 3, '0', { gnu: true }),
      padded(Buffer.from('JPG')),
      rawHeader('plain.cls', 1, '0', { gnu: true, prefix: 'not-a-prefix' }),
      padded(Buffer.from('4')),
      rawHeader('huge.cls', 2, '0', { base256: true }),
      padded(Buffer.from('12')),
      Buffer.alloc(1024),
    ]);
    expect(contents(writeTemp(bytes))).toEqual({ [longName]: 'JPG', 'plain.cls': '4', 'huge.cls': '12' });
  });

  it.skipIf(!hasGnuTar)('agrees with GNU tar on archives it writes in GNU and pax formats', () => {
    const dir = tempDir('tar-src-');
    const names = ['0001.cls', '0001.png', `${'n'.repeat(130)}.png`, `${'p'.repeat(90)}/${'q'.repeat(90)}.webp`, 'ünï.jpg'];
    for (const name of names) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), `content of ${name}`);
    }
    for (const format of ['gnu', 'pax', 'ustar']) {
      const usable = format === 'ustar' ? names.filter((n) => Buffer.byteLength(n) <= 100 && !/[^\x20-\x7e]/.test(n)) : names;
      const archive = path.join(tempDir('tar-out-'), `${format}.tar`);
      const made = spawnSync('tar', [`--format=${format}`, '-cf', archive, '-C', dir, ...usable], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      expect(contents(archive)).toEqual(Object.fromEntries(usable.map((n) => [n, `content of ${n}`])));
    }
  });

  it('reads only headers (and long-name or pax records), never member data', async () => {
    const file = writeTemp(
      await packTar([
        { header: { name: `${'x'.repeat(120)}.png` }, data: Buffer.alloc(5000, 7) },
        { header: { name: 'b.png' }, data: Buffer.alloc(3000, 8) },
      ]),
    );
    const reads: [number, number][] = [];
    class Logged extends TarFile {
      override read(offset: number, length: number, into?: Uint8Array): Uint8Array {
        reads.push([offset, length]);
        return super.read(offset, length, into);
      }
    }
    const tar = new Logged(file);
    const found = [...tarEntries(tar)].filter((e): e is TarMember => e.kind === 'member');
    tar.close();
    for (const [offset, length] of reads) {
      for (const m of found) expect(offset + length <= m.offset || offset >= m.offset + m.size, `read ${offset}+${length}`).toBe(true);
    }
    expect(reads.length).toBeLessThanOrEqual(6);
  });

  it('marks a member cut by the end of the file, and a header cut short', async () => {
    const whole = await packTar([
      { header: { name: 'a.cls' }, data: Buffer.from('1') },
      { header: { name: 'a.png' }, data: Buffer.alloc(2000, 3) },
      { header: { name: 'b.cls' }, data: Buffer.from('2') },
    ]);
    const inData = entriesOf(writeTemp(whole.subarray(0, 1024 + 512 + 700)));
    expect(inData.map((e) => (e.kind === 'member' ? [e.name, e.truncated] : e.kind))).toEqual([
      ['a.cls', false],
      ['a.png', true],
    ]);
    const inHeader = entriesOf(writeTemp(whole.subarray(0, 1024 + 512 + 2048 + 200)));
    expect(inHeader.at(-1)).toEqual({ kind: 'cut', offset: 1024 + 512 + 2048, name: 'b.cls' });
    // Ending at a member boundary without the end-of-archive blocks is how tar and Python read it: complete.
    expect(members(writeTemp(whole.subarray(0, 1024))).map((m) => m.name)).toEqual(['a.cls']);
  });

  it('refuses compressed shards, files that are not tar, and corrupt headers, naming the file', async () => {
    const { gzipSync } = await import('node:zlib');
    const whole = await packTar([{ header: { name: 'a.cls' }, data: Buffer.from('1') }]);
    const gz = writeTemp(gzipSync(whole), 'renamed.tar');
    expect(thrown(() => entriesOf(gz))).toBe(
      `${gz} is gzip-compressed: WebDataset shards are read here as plain .tar, because reading an image by seeking to it ` +
        `(what keeps memory flat) needs uncompressed data; decompress it first (gunzip -k ${gz})`,
    );
    const text = writeTemp(Buffer.from('hello, not a tar at all'.repeat(40)));
    expect(thrown(() => entriesOf(text))).toBe(`${text} is not a tar file (no tar header at its start)`);
    const damaged = Buffer.concat([whole.subarray(0, 1024), Buffer.alloc(512, 0x41), Buffer.alloc(1024)]);
    const bad = writeTemp(damaged);
    expect(thrown(() => entriesOf(bad))).toBe(
      `${bad}: corrupt tar header at byte 1024 (checksum mismatch): the shard is damaged; re-download or re-write it`,
    );
  });
});
