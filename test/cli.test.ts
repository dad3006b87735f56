import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/results/schema.js';
import { GOLDEN_IMAGES, REFERENCE, TINY_MODEL, bench, runDirs, smallFolderDataset, tempDir, tinyRunArgs } from './helpers.js';

describe('bench run (CLI)', () => {
  it('prints the table and writes a new run folder each time', () => {
    const out = tempDir('reports-');
    const dataset = smallFolderDataset(5, 2);
    const first = bench(tinyRunArgs({ dataset, out }));
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/prompt file\s+templates\s+acc1\s+acc5\s+mean per-class recall/);
    expect(first.stdout).toMatch(/^basic\s+1\s+\d+\.\d\d%\s+\d+\.\d\d%\s+\d+\.\d\d%$/m);
    expect(first.stdout).toContain('10 images, 5 classes');
    expect(bench(tinyRunArgs({ dataset, out })).status).toBe(0);
    const runs = runDirs(out);
    expect(runs).toHaveLength(2);
    for (const run of runs)
      expect((JSON.parse(readFileSync(path.join(out, run, 'results.json'), 'utf8')) as Results).items).toHaveLength(10);
  });

  it('counts unreadable images on stdout, and --strict turns them into exit 1', () => {
    const dataset = smallFolderDataset(2, 2);
    writeFileSync(path.join(dataset, 'bag', 'broken.png'), 'not a png');
    const lenient = bench(tinyRunArgs({ dataset, out: tempDir() }));
    expect(lenient.status).toBe(0);
    expect(lenient.stdout).toContain('1 item(s) could not be read');
    expect(lenient.stdout).toContain('bag/broken.png');
    expect(bench(tinyRunArgs({ dataset, out: tempDir() }, '--strict')).status).toBe(1);
  });

  it('exits 2 with a clear message on bad input', () => {
    const missingPrompt = bench(['run', '--prompts', 'prompts/nope.hbs', '--model', TINY_MODEL]);
    expect(missingPrompt.status).toBe(2);
    expect(missingPrompt.stderr).toMatch(/cannot read prompt file .*prompts\/nope\.hbs: no such file/);
    const unknownDataset = bench(tinyRunArgs({ dataset: 'no-such-dataset', out: tempDir() }));
    expect(unknownDataset.status).toBe(2);
    expect(unknownDataset.stderr).toContain('no-such-dataset');
    const empty = tempDir('empty-');
    expect(bench(tinyRunArgs({ dataset: empty, out: tempDir() })).status).toBe(2);
    const badFlag = bench(['run', '--prompts', 'prompts/basic.hbs', '--limit', 'ten']);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("option '--limit <n>' argument 'ten' is invalid");
    expect(bench(['run']).status).toBe(2);
  });

  it('reads defaults from a config file, with flags taking precedence', () => {
    const dir = tempDir('config-');
    const dataset = smallFolderDataset(3, 2);
    writeFileSync(path.join(dir, 'bench.config.json'), JSON.stringify({ model: TINY_MODEL, dataset, limit: 4, out: 'runs', threads: 2 }));
    writeFileSync(path.join(dir, 'p.hbs'), 'a photo of a {{label}}.\n');
    const fromConfig = bench(['run', '--prompts', 'p.hbs'], { cwd: dir });
    expect(fromConfig.status).toBe(0);
    expect(fromConfig.stdout).toContain('4 images, 3 classes');
    const overridden = bench(['run', '--prompts', 'p.hbs', '--limit', '5'], { cwd: dir });
    expect(overridden.stdout).toContain('5 images, 3 classes');
    expect(runDirs(path.join(dir, 'runs'))).toHaveLength(2);
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ limt: 3 }));
    const bad = bench(['run', '--prompts', 'p.hbs', '--config', 'bad.json'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown setting "limt"');
  });
});

describe('bench tokenize (CLI)', () => {
  it('prints exactly the golden ids for every case of the reference tokenizer', () => {
    const goldens = JSON.parse(readFileSync(path.join(REFERENCE, 'goldens/tokens-visible.json'), 'utf8')) as {
      cases: { text: string; ids: number[] }[];
    };
    const result = bench(['tokenize', '--model', TINY_MODEL, '--stdin-json'], { input: JSON.stringify(goldens.cases.map((c) => c.text)) });
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout) as { text: string; ids: number[]; truncated: boolean }[];
    expect(printed.map((p) => p.ids)).toEqual(goldens.cases.map((c) => c.ids));
    expect(printed.map((p) => p.text)).toEqual(goldens.cases.map((c) => c.text));
  });

  it('takes texts as arguments and flags truncation', () => {
    const long = `a photo of ${'a very '.repeat(50)}dog`;
    const result = bench(['tokenize', '--model', TINY_MODEL, 'a photo of a dog.', long]);
    const [short, cut] = JSON.parse(result.stdout) as { ids: number[]; truncated: boolean }[];
    expect(short).toEqual({ text: 'a photo of a dog.', ids: [49406, 320, 1125, 539, 320, 1929, 269, 49407], truncated: false });
    expect(cut!.ids).toHaveLength(77);
    expect(cut!.ids[76]).toBe(49407);
    expect(cut!.truncated).toBe(true);
  });

  it('rejects stdin that is not a JSON array of strings', () => {
    const result = bench(['tokenize', '--model', TINY_MODEL, '--stdin-json'], { input: '{"a": 1}' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('expected a JSON array of strings');
  });
});

describe('bench preview (CLI)', () => {
  it('dumps the reference tensor and saves the crop the model sees', async () => {
    const dir = tempDir('preview-');
    const tensor = path.join(dir, 'x.f32');
    const png = path.join(dir, 'x.png');
    const result = bench([
      'preview',
      path.join(GOLDEN_IMAGES, 'odd-crop-641x430.png'),
      '--model',
      TINY_MODEL,
      '--dump-tensor',
      tensor,
      '--save-png',
      png,
    ]);
    expect(result.status).toBe(0);
    const ours = new Float32Array(readFileSync(tensor).buffer.slice(0));
    const golden = new Float32Array(readFileSync(path.join(REFERENCE, 'goldens/preprocess/odd-crop-641x430.clip.f32')).buffer.slice(0));
    expect(ours.length).toBe(3 * 224 * 224);
    let max = 0;
    ours.forEach((v, i) => (max = Math.max(max, Math.abs(v - golden[i]!))));
    expect(max).toBeLessThan(1e-6);
    expect(await sharp(png).metadata()).toMatchObject({ width: 224, height: 224, channels: 3 });
  });

  it('hf mode differs from clip mode only where the orders differ', () => {
    const dir = tempDir('preview-');
    const image = path.join(GOLDEN_IMAGES, 'rgba-gradient.png');
    for (const mode of ['clip', 'hf']) {
      expect(
        bench(['preview', image, '--model', TINY_MODEL, '--preprocess', mode, '--dump-tensor', path.join(dir, `${mode}.f32`)]).status,
      ).toBe(0);
      const ours = readFileSync(path.join(dir, `${mode}.f32`));
      expect(ours.equals(readFileSync(path.join(REFERENCE, `goldens/preprocess/rgba-gradient.${mode}.f32`)))).toBe(true);
    }
  });
});
