import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadPromptSet,
  parseRandomDescriptors,
  randomDescriptors,
  renderClassPrompts,
  renderTemplatePrompts,
  validateAgainstClasses,
} from '../src/prompts/index.js';
import type { Results } from '../src/results/schema.js';
import { ROOT, bench, runDirs, smallFolderDataset, tempDir, tinyRunArgs } from './helpers.js';

/** Writes files into a fresh folder; returns the path of the first. */
function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prompt-strategies-'));
  for (const [name, content] of Object.entries(entries)) writeFileSync(path.join(dir, name), content);
  return path.join(dir, Object.keys(entries)[0]!);
}

const FASHION = Object.values(JSON.parse(readFileSync(path.join(ROOT, 'datasets/fashion-mnist-1k/classnames.json'), 'utf8')) as object);

describe('per-class prompt files (.json)', () => {
  it('uses each class its own prompts verbatim, as one pseudo-template on line 1', async () => {
    const file = files({ 'mine.json': JSON.stringify({ cat: ['a tabby {{label}}.', 'a kitten.'], dog: ['a puppy.'], fox: ['x'] }) });
    const set = await loadPromptSet(file);
    expect(set.name).toBe('mine');
    expect(set.ensemble).toBe('embedding');
    expect(set.templates.map((t) => [t.line, t.source])).toEqual([[1, '(per-class prompts: mine.json)']]);
    // Extra classes (fox) are allowed: a file written for a whole dataset serves a subset of it.
    expect(renderClassPrompts(set, ['cat', 'dog'])).toEqual([['a tabby {{label}}.', 'a kitten.'], ['a puppy.']]);
    expect(renderTemplatePrompts(set, ['cat', 'dog'])).toEqual([[['a tabby {{label}}.', 'a kitten.'], ['a puppy.']]]);
  });

  it('names the file and the classes it misses', async () => {
    const file = files({ 'p.json': JSON.stringify({ cat: ['a cat.'] }) });
    const set = await loadPromptSet(file);
    expect(() => renderClassPrompts(set, ['cat', 'dog', 'Ankle boot'])).toThrow(
      `${file}: no prompts for classes "dog", "Ankle boot"; every class of the dataset needs prompts`,
    );
    expect(() => validateAgainstClasses(set, ['dog'])).toThrow(`${file}: no prompts for class "dog";`);
  });

  it('names the file and the entry of a wrong value', async () => {
    const notList = files({ 'p.json': JSON.stringify({ cat: 'a cat.' }) });
    await expect(loadPromptSet(notList)).rejects.toThrow(`${notList}: cat: expected a list, got "a cat."`);
    const notString = files({ 'p.json': JSON.stringify({ cat: ['a cat.', 3] }) });
    await expect(loadPromptSet(notString)).rejects.toThrow(`${notString}: cat[1]: expected a string, got 3`);
    const empty = files({ 'p.json': JSON.stringify({ cat: [] }) });
    await expect(loadPromptSet(empty)).rejects.toThrow(empty);
  });

  it('ships prompts/fashion-per-class.json covering every Fashion-MNIST class with at least 3 prompts', async () => {
    const set = await loadPromptSet(path.join(ROOT, 'prompts/fashion-per-class.json'));
    const prompts = renderClassPrompts(set, FASHION as string[]);
    expect(prompts.every((p) => p.length >= 3)).toBe(true);
  });
});

describe('descriptors', () => {
  it('renders every template × descriptor as a prompt of the class, per template line', async () => {
    const file = files({
      'd.hbs': '#@ descriptors: d.json\n#@ ensemble: score\n{{article label}}, which has {{descriptor}}.\na photo of a {{label}}.\n',
      'd.json': JSON.stringify({ owl: ['feathers', 'big eyes'], cat: ['whiskers'] }),
    });
    const set = await loadPromptSet(file);
    expect(set.ensemble).toBe('score');
    expect(renderTemplatePrompts(set, ['owl', 'cat'])).toEqual([
      [['an owl, which has feathers.', 'an owl, which has big eyes.'], ['a cat, which has whiskers.']],
      [['a photo of a owl.'], ['a photo of a cat.']],
    ]);
    expect(renderClassPrompts(set, ['owl', 'cat'])).toEqual([
      ['an owl, which has feathers.', 'an owl, which has big eyes.', 'a photo of a owl.'],
      ['a cat, which has whiskers.', 'a photo of a cat.'],
    ]);
  });

  it('ships fashion-descriptors.json (≥ 5 per class) and the .hbs files using it and the random control', async () => {
    const set = await loadPromptSet(path.join(ROOT, 'prompts/fashion-descriptors.hbs'));
    const prompts = renderClassPrompts(set, FASHION as string[]);
    expect(prompts.every((p) => p.length >= 5)).toBe(true);
    expect(prompts[9]![0]).toBe('an ankle boot, which has a shaft covering the ankle.');
    const random = await loadPromptSet(path.join(ROOT, 'prompts/fashion-random-descriptors.hbs'));
    expect(renderClassPrompts(random, FASHION as string[]).map((p) => p.length)).toEqual(FASHION.map(() => 15));
  });

  it('errors: {{descriptor}} without descriptors, descriptors without {{descriptor}}, a non-string, a missing class', async () => {
    const bare = files({ 'b.hbs': 'a photo of a {{label}}.\n{{label}} with {{descriptor}}.\n' });
    await expect(loadPromptSet(bare)).rejects.toThrow(`${bare}:2: {{descriptor}} needs descriptors; add "#@ descriptors: <file.json>"`);

    const unused = files({ 'u.hbs': '#@ descriptors: random()\na photo of a {{label}}.\n' });
    await expect(loadPromptSet(unused)).rejects.toThrow(
      `${unused}: "#@ descriptors: random()" is given but no template uses {{descriptor}}`,
    );

    const bad = files({ 'n.hbs': '#@ descriptors: n.json\n{{label}} with {{descriptor}}.\n', 'n.json': '{"owl": ["feathers", 7]}' });
    const badJson = path.join(path.dirname(bad), 'n.json');
    await expect(loadPromptSet(bad)).rejects.toThrow(`${badJson}: owl[1]: expected a string, got 7`);

    const missing = files({ 'm.hbs': '#@ descriptors: m.json\n{{label}} with {{descriptor}}.\n', 'm.json': '{"owl": ["feathers"]}' });
    const set = await loadPromptSet(missing);
    expect(() => renderClassPrompts(set, ['owl', 'cat'])).toThrow(
      `${path.join(path.dirname(missing), 'm.json')}: no descriptors for class "cat"; every class of the dataset needs descriptors`,
    );

    const noFile = files({ 'x.hbs': '#@ descriptors: nope.json\n{{label}} with {{descriptor}}.\n' });
    await expect(loadPromptSet(noFile)).rejects.toThrow(`${noFile}:1`);
  });
});

describe('random descriptors', () => {
  it('are the same words for the same seed on any machine', () => {
    const options = parseRandomDescriptors('random(count=5, words=2, seed=0)', 'f:1');
    expect(randomDescriptors(options)).toEqual(['almond apple', 'nickel rocket', 'domino compass', 'rain circle', 'attic iceberg']);
    expect(randomDescriptors(parseRandomDescriptors('random(count=2, words=1, chars=4, seed=7)', 'f:1'))).toEqual(
      randomDescriptors({ count: 2, words: 1, chars: 4, seed: 7 }),
    );
    expect(randomDescriptors({ count: 3, words: 0, chars: 5, seed: 1 }).every((d) => /^[a-z]{5}$/.test(d))).toBe(true);
    expect(randomDescriptors({ count: 3, words: 2, chars: 0, seed: 1 })).not.toEqual(
      randomDescriptors({ count: 3, words: 2, chars: 0, seed: 0 }),
    );
  });

  it('defaults to count=15, words=2, chars=0, seed=0 and gives every class the same descriptors', async () => {
    expect(parseRandomDescriptors('random()', 'f:1')).toEqual({ count: 15, words: 2, chars: 0, seed: 0 });
    const set = await loadPromptSet(files({ 'r.hbs': '#@ descriptors: random(count=2)\n{{label}}: {{descriptor}}\n' }));
    expect(renderClassPrompts(set, ['a', 'b'])).toEqual([
      ['a: almond apple', 'a: nickel rocket'],
      ['b: almond apple', 'b: nickel rocket'],
    ]);
  });

  it('rejects bad arguments naming file and line', async () => {
    const file = files({ 'r.hbs': '#@ descriptors: random(count=15, colour=2)\n{{label}}: {{descriptor}}\n' });
    await expect(loadPromptSet(file)).rejects.toThrow(`${file}:1: cannot read "colour=2" in "random(count=15, colour=2)"`);
    expect(() => parseRandomDescriptors('random(words=0)', 'f:3')).toThrow('f:3: random descriptors need words or chars');
    expect(() => parseRandomDescriptors('random(count=0)', 'f:3')).toThrow(
      'f:3: count=0 is out of range; count must be between 1 and 1000',
    );
  });
});

describe('#@ ensemble', () => {
  it('defaults to embedding and reads score', async () => {
    expect((await loadPromptSet(files({ 'a.hbs': 'a {{label}}\n' }))).ensemble).toBe('embedding');
    expect((await loadPromptSet(files({ 'a.hbs': '#@ ensemble: embedding\na {{label}}\n' }))).ensemble).toBe('embedding');
    expect((await loadPromptSet(files({ 'a.hbs': '#@ ensemble: score\na {{label}}\n' }))).ensemble).toBe('score');
  });

  it('names file and line of an unknown mode', async () => {
    const file = files({ 'a.hbs': 'a {{label}}\n#@ ensemble: mean\n' });
    await expect(loadPromptSet(file)).rejects.toThrow(
      `${file}:2: unknown ensemble mode "mean"; use "#@ ensemble: embedding" (average the prompt embeddings, the default) ` +
        'or "#@ ensemble: score" (average the per-prompt scores)',
    );
  });
});

describe('bench run with the shipped prompt-strategy files', () => {
  it('runs per-class, descriptor and random-descriptor sets on the tiny model', () => {
    const out = tempDir('prompt-strategies-out-');
    const prompts = ['prompts/fashion-per-class.json', 'prompts/fashion-descriptors.hbs', 'prompts/fashion-random-descriptors.hbs'];
    const r = bench(tinyRunArgs({ dataset: smallFolderDataset(3, 2), out, prompts }));
    expect(r.status, r.stderr).toBe(0);
    const [dir] = runDirs(out);
    const results = JSON.parse(readFileSync(path.join(out, dir!, 'results.json'), 'utf8')) as Results;
    expect(results.promptSets.map((s) => s.name)).toEqual(['fashion-per-class', 'fashion-descriptors', 'fashion-random-descriptors']);
    const [perClass, descriptors, random] = results.promptSets;
    expect(Object.values(perClass!.prompts).map((p) => p.length)).toEqual([4, 4, 4]);
    expect(perClass!.perTemplate?.map((t) => t.line)).toEqual([1]);
    expect(Object.values(descriptors!.prompts).map((p) => p.length)).toEqual([5, 5, 5]);
    expect(Object.values(random!.prompts).map((p) => p.length)).toEqual([15, 15, 15]);
  }, 120_000);
});
