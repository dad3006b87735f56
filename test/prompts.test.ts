import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captionsAsTheyAre, loadPromptSet, renderClassPrompts } from '../src/prompts/index.js';

function promptFile(content: string, name = 'p.hbs'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prompts-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('prompt files', () => {
  it('reads one template per non-empty line, skipping comments, and renders [class][template]', async () => {
    const file = promptFile('# an ensemble\na photo of a {{label}}.\n\n  a sketch of a {{label}}.  \r\n');
    const set = await loadPromptSet(file);
    expect(set.name).toBe('p');
    expect(set.templates.map((t) => t.line)).toEqual([2, 4]);
    expect(renderClassPrompts(set, ['cat', 'dog'])).toEqual([
      ['a photo of a cat.', 'a sketch of a cat.'],
      ['a photo of a dog.', 'a sketch of a dog.'],
    ]);
  });

  it('renders plain text: no HTML escaping of labels', async () => {
    const set = await loadPromptSet(promptFile('a photo of a {{label}}.'));
    expect(renderClassPrompts(set, ['T-shirt/top', 'rock & roll', `"quoted" <b>'s`])).toEqual([
      ['a photo of a T-shirt/top.'],
      ['a photo of a rock & roll.'],
      [`a photo of a "quoted" <b>'s.`],
    ]);
  });

  it('has an article helper', async () => {
    const set = await loadPromptSet(promptFile('a photo of {{article label}}.'));
    expect(renderClassPrompts(set, ['ankle boot', 'T-shirt'])).toEqual([['a photo of an ankle boot.'], ['a photo of a T-shirt.']]);
  });

  it('names file and line for a template without the label', async () => {
    const file = promptFile('a photo of a {{label}}.\na photo of something.');
    await expect(loadPromptSet(file)).rejects.toThrow(`${file}:2: the template never uses {{label}}`);
  });

  it('names file and line for an unknown variable', async () => {
    const file = promptFile('a photo of a {{lable}}.');
    await expect(loadPromptSet(file)).rejects.toThrow(`${file}:1: unknown variable {{lable}}`);
  });

  it('names file and line for a syntax error', async () => {
    const file = promptFile('# ok\na photo of a {{label}.');
    await expect(loadPromptSet(file)).rejects.toThrow(`${file}:2: template syntax error`);
  });

  it('reports a missing file and an empty file clearly', async () => {
    await expect(loadPromptSet('/nonexistent/p.hbs')).rejects.toThrow('cannot read prompt file /nonexistent/p.hbs: no such file');
    const empty = promptFile('# only a comment\n');
    await expect(loadPromptSet(empty)).rejects.toThrow(`${empty}: no templates`);
  });

  it('applies class-name overrides from a #@ classnames directive', async () => {
    const file = promptFile('#@ classnames: names.json\na photo of a {{label}}.');
    writeFileSync(path.join(path.dirname(file), 'names.json'), JSON.stringify({ 'T-shirt/top': 't-shirt' }));
    const set = await loadPromptSet(file);
    expect(renderClassPrompts(set, ['T-shirt/top', 'Bag'])).toEqual([['a photo of a t-shirt.'], ['a photo of a Bag.']]);
    expect(() => renderClassPrompts(set, ['Bag'])).toThrow(/does not have: "T-shirt\/top"/);
  });
});

describe('rendered prompts are stripped as Python strips', () => {
  it('keeps a U+FEFF that JS trim() would remove, drops the \\x1c that trim() would keep', () => {
    const [template] = captionsAsTheyAre().templates;
    expect(template!.render({ caption: '\ufeffa cat\ufeff' })).toBe('\ufeffa cat\ufeff');
    expect(template!.render({ caption: '\x1c a cat \u3000\x1f' })).toBe('a cat');
  });
});
