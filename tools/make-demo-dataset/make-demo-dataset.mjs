#!/usr/bin/env node
// Writes datasets/fashion-mnist-1k: the first 100 images of each class, in file order, of the
// Fashion-MNIST test split (t10k) as 8-bit greyscale PNGs in class folders, so the harness has
// data to run on without any download. Deterministic: same source files, same selection.
//
//   node tools/make-demo-dataset/make-demo-dataset.mjs [--source DIR] [--out DIR] [--per-class N]
//
// Needs Debian's dataset-fashion-mnist (or the same t10k-*-ubyte.gz files in --source).
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Folder names safe on every OS (no '/', spaces or capitals), in label order 0..9.
const CLASSES = [
  ['t-shirt_top', 'T-shirt/top'],
  ['trouser', 'Trouser'],
  ['pullover', 'Pullover'],
  ['dress', 'Dress'],
  ['coat', 'Coat'],
  ['sandal', 'Sandal'],
  ['shirt', 'Shirt'],
  ['sneaker', 'Sneaker'],
  ['bag', 'Bag'],
  ['ankle_boot', 'Ankle boot'],
];

function parseArgs(argv) {
  const args = { source: '/usr/share/datasets/fashion-mnist', out: path.join(REPO, 'datasets/fashion-mnist-1k'), perClass: 100 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--source') args.source = path.resolve(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else if (flag === '--per-class') args.perClass = Number(value);
    else throw new Error(`unknown option ${flag}; use --source, --out or --per-class`);
  }
  return args;
}

async function readIdx(file, magic, headerSize) {
  const raw = await readFile(file);
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  if (bytes.readUInt32BE(0) !== magic) throw new Error(`${file}: not an IDX file with magic 0x${magic.toString(16)}`);
  return { count: bytes.readUInt32BE(4), header: bytes.subarray(0, headerSize), body: bytes.subarray(headerSize) };
}

function sourceFile(dir, base) {
  for (const name of [base, `${base}.gz`]) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(`${dir} has no ${base}[.gz]; install it with: apt-get install dataset-fashion-mnist`);
}

async function readTestSplit(dir) {
  const images = await readIdx(sourceFile(dir, 't10k-images-idx3-ubyte'), 0x803, 16);
  const labels = await readIdx(sourceFile(dir, 't10k-labels-idx1-ubyte'), 0x801, 8);
  const [rows, cols] = [images.header.readUInt32BE(8), images.header.readUInt32BE(12)];
  if (images.count !== labels.count || rows !== 28 || cols !== 28) throw new Error('unexpected Fashion-MNIST layout');
  return { count: images.count, pixels: images.body, labels: labels.body };
}

/** The first `perClass` indices of each label, in file order. */
function pick(labels, count, perClass) {
  const chosen = [];
  const counts = new Array(CLASSES.length).fill(0);
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    if (counts[label] < perClass) {
      counts[label]++;
      chosen.push(i);
    }
  }
  if (counts.some((n) => n < perClass)) throw new Error(`some class has fewer than ${perClass} test images`);
  return chosen;
}

function toPng(data) {
  return sharp(data, { raw: { width: 28, height: 28, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 9, adaptiveFiltering: true, palette: false })
    .toBuffer();
}

/** Refuses to delete a folder holding anything this script would not have written. */
async function clearOutput(out) {
  if (!existsSync(out)) return;
  const ours = new Set([...CLASSES.map(([folder]) => folder), 'classnames.json', 'README.md']);
  const foreign = (await readdir(out)).filter((name) => !ours.has(name));
  if (foreign.length > 0) throw new Error(`${out} holds ${foreign.join(', ')}, not only a demo dataset; choose another --out`);
  await rm(out, { recursive: true });
}

/** sharp decodes greyscale to sRGB (three equal bands), so every band must equal the IDX bytes. */
async function verify(file, expected) {
  const meta = await sharp(file).metadata();
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  let same = meta.channels === 1 && meta.depth === 'uchar' && info.width === 28 && info.height === 28;
  for (let i = 0; same && i < expected.length; i++) {
    for (let band = 0; band < info.channels; band++) same &&= data[i * info.channels + band] === expected[i];
  }
  if (!same) throw new Error(`${file} does not round-trip to the IDX pixels`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const split = await readTestSplit(args.source);
  const chosen = pick(split.labels, split.count, args.perClass);
  await clearOutput(args.out);
  for (const [folder] of CLASSES) await mkdir(path.join(args.out, folder), { recursive: true });
  let bytes = 0;
  for (const index of chosen) {
    const pixels = split.pixels.subarray(index * 784, (index + 1) * 784);
    const file = path.join(args.out, CLASSES[split.labels[index]][0], `${String(index).padStart(4, '0')}.png`);
    await writeFile(file, await toPng(pixels));
    await verify(file, pixels);
    bytes += (await stat(file)).size;
  }
  const names = Object.fromEntries(CLASSES);
  await writeFile(path.join(args.out, 'classnames.json'), `${JSON.stringify(names, null, 2)}\n`);
  await writeFile(path.join(args.out, 'README.md'), readme(args.perClass, chosen.length));
  console.log(`wrote ${chosen.length} PNGs (${(bytes / 1024).toFixed(0)} KiB) to ${args.out}; all round-trip exactly`);
}

function readme(perClass, total) {
  return `# fashion-mnist-1k

A small, balanced demo set so \`bench run\` works without downloads: ${total} images of the
Fashion-MNIST **test** split (\`t10k\`), ${perClass} per class.

- **Source:** Fashion-MNIST by Zalando Research, <https://github.com/zalandoresearch/fashion-mnist>,
  read from Debian's \`dataset-fashion-mnist\` package (\`/usr/share/datasets/fashion-mnist\`).
- **Selection:** for each class, the first ${perClass} images in test-file order. A file is named
  by its index in \`t10k-images-idx3-ubyte\` (zero padded), so \`ankle_boot/0000.png\` is test image 0.
- **Pixels:** 28×28, 8-bit greyscale PNG, exactly the IDX bytes (the generator decodes every PNG
  again and compares).
- **Classes:** \`classnames.json\` maps each folder (names safe on every OS) to the readable label
  used in prompts (\`t-shirt_top\` → \`T-shirt/top\`, …, \`ankle_boot\` → \`Ankle boot\`).
- **Made by:** \`node tools/make-demo-dataset/make-demo-dataset.mjs\` (re-run it to rebuild).

## Licence

Fashion-MNIST is released under the MIT License, Copyright (c) 2017 Zalando SE.

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
}

main().catch((err) => {
  console.error(`make-demo-dataset: ${err.message}`);
  process.exit(1);
});
