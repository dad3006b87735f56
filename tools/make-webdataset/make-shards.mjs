#!/usr/bin/env node
// Writes datasets/fashion-mnist-1k-wds: the demo set datasets/fashion-mnist-1k as WebDataset shards
// in CLIP_benchmark's layout (classnames.txt and zeroshot_classification_templates.txt beside the
// shards), so the WebDataset reader has bundled data and tests can compare it with the folder.
//
//   node tools/make-webdataset/make-shards.mjs [--source DIR] [--out DIR] [--shards N]
//
// Samples are the folder's images in the folder loader's order (classes by folder name, files by
// name), split evenly over N shards (default 2: 000000.tar, 000001.tar). A sample is
// `<key>.cls` (the label as ASCII digits) then `<key>.png` (the PNG's bytes unchanged), its key the
// image's file name without .png (its index in the Fashion-MNIST test file, unique in the set).
// Also writes the folder's README.md, with the source's licence section copied into it.
// `.cls` first, as WebDataset's writer and `tar` of sorted names put it. Deterministic: headers
// carry a fixed mtime, mode 0644 and uid/gid 0 with no user names, so a rerun gives the same bytes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MTIME = new Date('2017-08-28T00:00:00Z'); // Fashion-MNIST's release; any fixed date would do
const TEMPLATES = ['a photo of a {c}.', 'a black and white photo of a {c}.', 'a low resolution photo of a {c}.', 'a photo of the {c}.'];

function parseArgs(argv) {
  const args = { source: path.join(REPO, 'datasets/fashion-mnist-1k'), out: path.join(REPO, 'datasets/fashion-mnist-1k-wds'), shards: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--source') args.source = path.resolve(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else if (flag === '--shards') args.shards = Number(value);
    else throw new Error(`unknown option ${flag}; use --source, --out or --shards`);
  }
  if (!Number.isSafeInteger(args.shards) || args.shards < 1) throw new Error('--shards: a whole number of at least 1');
  return args;
}

/** Code-point order, as the folder loader sorts (the demo's names are ASCII, where it is plain <). */
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The folder's images in the folder loader's order, with their labels and readable class names. */
async function readFolder(source) {
  const mapping = JSON.parse(await readFile(path.join(source, 'classnames.json'), 'utf8'));
  const entries = await readdir(source, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byName);
  const samples = [];
  for (const [label, folder] of folders.entries()) {
    const files = (await readdir(path.join(source, folder))).filter((f) => f.endsWith('.png')).sort(byName);
    for (const file of files) samples.push({ key: file.slice(0, -'.png'.length), label, file: path.join(source, folder, file) });
  }
  const keys = new Set(samples.map((s) => s.key));
  if (keys.size !== samples.length) throw new Error(`${source}: two images share a file name; keys must be unique`);
  if (samples.some((s) => s.key.includes('.')))
    throw new Error(`${source}: a file name has a second dot, which would split its WebDataset key`);
  return { classNames: folders.map((f) => mapping[f]), samples };
}

/** One shard's bytes: `<key>.cls` then `<key>.png` per sample, fixed header fields. */
async function shardBytes(samples) {
  const pack = tar.pack();
  const header = (name, size) => ({ name, size, mode: 0o644, mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' });
  const chunks = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk);
  })();
  for (const sample of samples) {
    const cls = Buffer.from(String(sample.label), 'ascii');
    const png = await readFile(sample.file);
    await new Promise((resolve, reject) =>
      pack.entry(header(`${sample.key}.cls`, cls.length), cls, (err) => (err ? reject(err) : resolve())),
    );
    await new Promise((resolve, reject) =>
      pack.entry(header(`${sample.key}.png`, png.length), png, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Refuses to delete a folder holding anything this script would not have written. */
async function clearOutput(out) {
  if (!existsSync(out)) return;
  const ours = /^(\d{6}\.tar|classnames\.txt|zeroshot_classification_templates\.txt|README\.md)$/;
  const foreign = (await readdir(out)).filter((name) => !ours.test(name));
  if (foreign.length > 0) throw new Error(`${out} holds ${foreign.join(', ')}, not only shards this script wrote; choose another --out`);
  await rm(out, { recursive: true });
}

/** The source's licence section, copied so the shards carry the notice the MIT licence asks for. */
async function readme(source, shardCount, sampleCount) {
  const parent = await readFile(path.join(source, 'README.md'), 'utf8');
  const licence = parent.slice(parent.indexOf('## Licence'));
  if (!licence.startsWith('## Licence')) throw new Error(`${source}/README.md has no "## Licence" section to copy`);
  const last = String(shardCount - 1).padStart(6, '0');
  return `# fashion-mnist-1k-wds

The bundled demo set [\`fashion-mnist-1k\`](../fashion-mnist-1k/) as WebDataset shards, in
CLIP_benchmark's layout: the same ${sampleCount} PNGs, byte for byte, so a run on the shards and a run on the
folder give the same numbers (and share embedding-cache entries).

- **Shards:** \`000000.tar\` … \`${last}.tar\` (\`--dataset datasets/fashion-mnist-1k-wds\` or
  \`'datasets/fashion-mnist-1k-wds/{000000..${last}}.tar'\`), plain uncompressed tar. Samples in the
  folder loader's order (classes by folder name, files by name), split evenly over the shards.
- **Sample:** \`<key>.cls\` (the label as ASCII digits) then \`<key>.png\`; the key is the image's
  file name without \`.png\`, its index in the Fashion-MNIST test file (\`0000\` is test image 0).
- **Beside them:** \`classnames.txt\` (the readable class names in label order, as the folder loader
  numbers the classes) and \`zeroshot_classification_templates.txt\` (CLIP_benchmark's \`{c}\`
  syntax; used when \`bench run\` is given no \`--prompts\`).
- **Made by:** \`node tools/make-webdataset/make-shards.mjs\` from \`datasets/fashion-mnist-1k\`
  (deterministic: fixed mtimes, uid/gid 0, no user names; a rerun gives the same bytes).
- **Source:** Fashion-MNIST by Zalando Research, <https://github.com/zalandoresearch/fashion-mnist>;
  see [\`../fashion-mnist-1k/README.md\`](../fashion-mnist-1k/README.md) for how those images were chosen.

${licence}`;
}

const args = parseArgs(process.argv.slice(2));
const { classNames, samples } = await readFolder(args.source);
await clearOutput(args.out);
await mkdir(args.out, { recursive: true });
const perShard = Math.ceil(samples.length / args.shards);
for (let s = 0; s < args.shards; s++) {
  const name = `${String(s).padStart(6, '0')}.tar`;
  const bytes = await shardBytes(samples.slice(s * perShard, (s + 1) * perShard));
  await writeFile(path.join(args.out, name), bytes);
  process.stdout.write(
    `${path.relative(REPO, path.join(args.out, name))}: ${Math.min(perShard, samples.length - s * perShard)} samples, ${bytes.length} bytes\n`,
  );
}
await writeFile(path.join(args.out, 'classnames.txt'), `${classNames.join('\n')}\n`);
await writeFile(path.join(args.out, 'zeroshot_classification_templates.txt'), `${TEMPLATES.join('\n')}\n`);
await writeFile(path.join(args.out, 'README.md'), await readme(args.source, args.shards, samples.length));
process.stdout.write(
  `${path.relative(REPO, args.out)}: classnames.txt (${classNames.length} classes), zeroshot_classification_templates.txt (${TEMPLATES.length} templates)\n`,
);
