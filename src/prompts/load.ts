import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJson } from '../util/json.js';
import { parseRandomDescriptors, randomDescriptors } from './descriptors.js';
import { compileTemplate } from './template.js';
import { PromptError, type PromptDescriptors, type PromptEnsemble, type PromptSet, type PromptTemplate } from './types.js';

/** `#@ name: value`, a directive line (trimmed). */
export const DIRECTIVE = /^#@\s*([a-z-]+)\s*:\s*(.*)$/i;
const DIRECTIVES = '"#@ classnames: <file.json>", "#@ descriptors: <file.json>" or "#@ descriptors: random(...)", "#@ ensemble: embedding|score"';
const ENSEMBLES: readonly PromptEnsemble[] = ['embedding', 'score'];

/** class name → a non-empty list of non-empty strings: per-class prompt files and descriptor files. */
const CLASS_LISTS = z.record(z.string(), z.array(z.string().min(1)).min(1));

/**
 * Reads a prompt file. A `.json` file is a per-class prompt file (class name → its prompts, used
 * verbatim). Otherwise one Handlebars template per non-empty line; lines starting with `#` are
 * comments; `#@ name: value` lines are directives: `classnames: <file.json>` (class-name
 * overrides), `descriptors: <file.json> | random(...)` (fills {{descriptor}}), `ensemble:
 * embedding|score`.
 */
export async function loadPromptSet(file: string): Promise<PromptSet> {
  const absolute = path.resolve(file);
  if (/\.json$/i.test(absolute)) return loadPerClassFile(absolute);
  const text = await readPromptFile(absolute);
  const templates: PromptTemplate[] = [];
  let overrides: Record<string, string> = {};
  let ensemble: PromptEnsemble = 'embedding';
  let descriptors: PromptDescriptors | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const where = `${absolute}:${index + 1}`;
    const line = raw.trim();
    const directive = DIRECTIVE.exec(line);
    if (directive) {
      const name = directive[1]!.toLowerCase();
      const value = directive[2]!.trim();
      if (name === 'ensemble') ensemble = readEnsemble(value, where);
      else if (name === 'descriptors') descriptors = await readDescriptors(value, absolute, where);
      else overrides = await readDirective(name, value, absolute, where);
    } else if (line !== '' && !line.startsWith('#')) templates.push(compileTemplate(line, index + 1, where));
  }
  if (templates.length === 0) {
    throw new PromptError(`${absolute}: no templates; write one template per line, e.g. "a photo of a {{label}}."`);
  }
  const usesDescriptor = templates.filter((t) => t.variables.includes('descriptor'));
  if (descriptors === undefined && usesDescriptor.length > 0) {
    throw new PromptError(
      `${absolute}:${usesDescriptor[0]!.line}: {{descriptor}} needs descriptors; add "#@ descriptors: <file.json>" ` +
        '(class name → list of descriptions) or "#@ descriptors: random(count=15, words=2, seed=0)"',
    );
  }
  if (descriptors !== undefined && usesDescriptor.length === 0) {
    throw new PromptError(`${absolute}: "#@ descriptors: ${descriptors.source}" is given but no template uses {{descriptor}}`);
  }
  return {
    name: path.basename(absolute).replace(/\.hbs$/, ''),
    file: absolute,
    templates,
    classNameOverrides: overrides,
    ensemble,
    ...(descriptors === undefined ? {} : { descriptors }),
  };
}

/** A `.json` prompt file: {"class name": ["prompt", ...], ...}, the dict form CLIP_benchmark's custom templates take. */
async function loadPerClassFile(file: string): Promise<PromptSet> {
  const classPrompts = await readJson(file, CLASS_LISTS, {
    what: 'prompt file',
    fix: 'a .json prompt file maps each class name to a list of prompts, e.g. {"Bag": ["a photo of a bag."]}',
  });
  if (Object.keys(classPrompts).length === 0) {
    throw new PromptError(`${file}: no classes; a .json prompt file maps each class name to a list of prompts`);
  }
  const source = `(per-class prompts: ${path.basename(file)})`;
  const pseudo: PromptTemplate = {
    source,
    line: 1,
    variables: ['label'],
    render: ({ label }) => {
      const prompts = label === undefined ? undefined : classPrompts[label];
      if (prompts === undefined) throw new PromptError(`${file}: no prompts for class ${JSON.stringify(label)}`);
      return prompts[0]!;
    },
  };
  return {
    name: path.basename(file).replace(/\.json$/i, ''),
    file,
    templates: [pseudo],
    classNameOverrides: {},
    ensemble: 'embedding',
    classPrompts,
  };
}

function readEnsemble(value: string, where: string): PromptEnsemble {
  const mode = ENSEMBLES.find((e) => e === value.toLowerCase());
  if (mode === undefined) {
    throw new PromptError(
      `${where}: unknown ensemble mode ${JSON.stringify(value)}; use "#@ ensemble: embedding" ` +
        '(average the prompt embeddings, the default) or "#@ ensemble: score" (average the per-prompt scores)',
    );
  }
  return mode;
}

async function readDescriptors(value: string, file: string, where: string): Promise<PromptDescriptors> {
  if (/^random\s*\(/i.test(value)) return { source: value, shared: randomDescriptors(parseRandomDescriptors(value, where)) };
  if (value === '') throw new PromptError(`${where}: "#@ descriptors:" needs a value: <file.json> or random(count=15, words=2, seed=0)`);
  const target = path.resolve(path.dirname(file), value);
  const byClass = await readJson(target, CLASS_LISTS, {
    what: `descriptor file (named at ${where})`,
    fix: 'a descriptor file maps each class name to a list of short descriptions, e.g. {"Bag": ["a handle", "a zip"]}',
  });
  return { source: value, byClass };
}

/**
 * Checks that the set can give every class of the dataset its prompts: class-name overrides name
 * only dataset classes; a per-class prompt file and a descriptor file cover every class (they may
 * hold more, e.g. for a subset of the dataset). Throws PromptError naming the file and the classes.
 */
export function validateAgainstClasses(set: PromptSet, classNames: readonly string[]): void {
  checkOverrides(set, classNames);
  if (set.classPrompts !== undefined) checkCovered(set.file, 'prompts', set.classPrompts, classNames);
  const byClass = set.descriptors?.byClass;
  if (byClass !== undefined) {
    checkCovered(path.resolve(path.dirname(set.file), set.descriptors!.source), 'descriptors', byClass, classNames);
  }
}

function checkCovered(file: string, what: string, map: Readonly<Record<string, unknown>>, classNames: readonly string[]): void {
  const missing = classNames.filter((c) => !Object.hasOwn(map, c));
  if (missing.length > 0) {
    throw new PromptError(
      `${file}: no ${what} for ${missing.length === 1 ? 'class' : 'classes'} ${missing.map((m) => JSON.stringify(m)).join(', ')}; ` +
        `every class of the dataset needs ${what}`,
    );
  }
}

/** Every prompt of every class, [class][prompt]: what the set's classifier is built from. */
export function renderClassPrompts(set: PromptSet, classNames: readonly string[]): string[][] {
  const byTemplate = renderTemplatePrompts(set, classNames);
  return classNames.map((_, c) => byTemplate.flatMap((perClass) => perClass[c]!));
}

/**
 * The prompts each template line gives each class, [template][class][prompt]: one prompt for a
 * plain template; one per descriptor for a template using {{descriptor}}; a per-class `.json`
 * file's single pseudo-template gives each class all its prompts. renderClassPrompts concatenates
 * these per class in template order; per-template scores use one template's prompts alone.
 */
export function renderTemplatePrompts(set: PromptSet, classNames: readonly string[]): string[][][] {
  validateAgainstClasses(set, classNames);
  if (set.classPrompts !== undefined) return [classNames.map((name) => [...set.classPrompts![name]!])];
  return set.templates.map((template) =>
    classNames.map((name) => {
      const label = set.classNameOverrides[name] ?? name;
      if (!template.variables.includes('descriptor')) return [template.render({ label })];
      const descriptors = set.descriptors?.shared ?? set.descriptors?.byClass?.[name] ?? [];
      return descriptors.map((descriptor) => template.render({ label, descriptor }));
    }),
  );
}

async function readPromptFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : String(error);
    throw new PromptError(`cannot read prompt file ${file}: ${reason}`);
  }
}

async function readDirective(name: string, value: string, file: string, where: string): Promise<Record<string, string>> {
  if (name !== 'classnames') {
    throw new PromptError(`${where}: unknown directive "#@ ${name}"; the directives are ${DIRECTIVES}`);
  }
  const target = path.resolve(path.dirname(file), value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(target, 'utf8'));
  } catch (error) {
    throw new PromptError(`${where}: cannot read class-name overrides ${target}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PromptError(`${target}: expected a JSON object mapping class names to the words to use in prompts`);
  }
  for (const [key, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw new PromptError(`${target}: the value for "${key}" must be a string`);
  }
  return parsed as Record<string, string>;
}

function checkOverrides(set: PromptSet, classNames: readonly string[]): void {
  const unknown = Object.keys(set.classNameOverrides).filter((k) => !classNames.includes(k));
  if (unknown.length > 0) {
    throw new PromptError(
      `${set.file}: class-name overrides name classes the dataset does not have: ${unknown.map((u) => JSON.stringify(u)).join(', ')}`,
    );
  }
}

/** Loads several prompt files; names must be unique, so same-named files get their folder prefixed. */
export async function loadPromptSets(files: readonly string[]): Promise<PromptSet[]> {
  const sets = await Promise.all(files.map(loadPromptSet));
  const counts = new Map<string, number>();
  sets.forEach((s) => counts.set(s.name, (counts.get(s.name) ?? 0) + 1));
  const named = sets.map((s) =>
    counts.get(s.name)! > 1 ? { ...s, name: `${path.basename(path.dirname(s.file))}/${s.name}` } : s,
  );
  const seen = new Set<string>();
  for (const s of named) {
    if (seen.has(s.name)) throw new PromptError(`${s.file}: given twice; each prompt file may appear once per run`);
    seen.add(s.name);
  }
  return named;
}

/** The prompt set of a retrieval run without prompt files: each caption fed to the model unchanged. */
export function captionsAsTheyAre(): PromptSet {
  return {
    name: 'captions',
    file: '',
    templates: [compileTemplate('{{caption}}', 1, '(captions as they are)')],
    classNameOverrides: {},
    ensemble: 'embedding',
  };
}
