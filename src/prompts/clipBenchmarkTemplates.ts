import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PromptError, type PromptSet, type PromptTemplate } from './types.js';

/**
 * Python's str.splitlines() and str.strip(), which CLIP_benchmark reads template files with: more
 * line breaks and whitespace than JavaScript's (U+001C..U+001F are both).
 */
// eslint-disable-next-line no-control-regex -- Python counts these control characters as line breaks
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
// eslint-disable-next-line no-control-regex -- and these as whitespace
const PY_STRIP = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;

/**
 * Reads CLIP_benchmark's zeroshot_classification_templates.txt (one template per non-blank line,
 * `a photo of a {c}.`) as a prompt set, like a .hbs file of `{{label}}` templates. Each prompt is
 * what CLIP_benchmark's `template.format(c=classname)` gives: `{c}` replaced by the class name,
 * `{{` and `}}` by single braces, nothing else touched. A field other than `{c}`, which Python
 * would refuse, is a PromptError naming the line.
 */
export async function loadClipBenchmarkTemplates(file: string): Promise<PromptSet> {
  const absolute = path.resolve(file);
  const text = await readTemplatesFile(absolute);
  const templates = text
    .split(PY_LINE_BREAK)
    .map((raw, index) => ({ line: index + 1, source: raw.replace(PY_STRIP, '') }))
    .filter((t) => t.source !== '')
    .map((t) => compileFormatTemplate(t.source, t.line, `${absolute}:${t.line}`));
  if (templates.length === 0) throw new PromptError(`${absolute}: no templates; write one per line, e.g. "a photo of a {c}."`);
  return {
    name: path.basename(absolute).replace(/\.txt$/i, ''),
    file: absolute,
    templates,
    classNameOverrides: {},
    ensemble: 'embedding',
  };
}

/** Literal text and `{c}` fields, in order. */
type Part = { readonly text: string } | { readonly field: 'c' };

/** One template line in Python's format syntax, with `c` its only field. */
export function compileFormatTemplate(source: string, line: number, where: string): PromptTemplate {
  const parts = parseFormat(source, where);
  if (!parts.some((p) => 'field' in p)) {
    throw new PromptError(`${where}: the template never uses {c} (the class name), so every class would get the same prompt`);
  }
  return {
    source,
    line,
    variables: ['label'],
    render: ({ label }) => {
      if (label === undefined) throw new PromptError(`${where}: this task has no class name to fill {c} with`);
      return parts.map((p) => ('field' in p ? label : p.text)).join('');
    },
  };
}

function parseFormat(source: string, where: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if ((ch === '{' || ch === '}') && source[i + 1] === ch) {
      text += ch;
      i++;
    } else if (ch === '{') {
      const close = source.indexOf('}', i);
      const field = close < 0 ? undefined : source.slice(i + 1, close);
      if (field !== 'c') {
        throw new PromptError(
          `${where}: ${field === undefined ? 'a "{" is never closed' : `unknown field {${field}}`} in "${source}"; ` +
            'templates name the class {c}, and write a literal brace twice ({{ or }})',
        );
      }
      parts.push({ text }, { field: 'c' });
      text = '';
      i = close;
    } else if (ch === '}') {
      throw new PromptError(`${where}: a single "}" in "${source}"; write a literal brace twice (}})`);
    } else text += ch;
  }
  parts.push({ text });
  return parts;
}

async function readTemplatesFile(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : String(error);
    throw new PromptError(`cannot read templates file ${file}: ${reason}`);
  }
}
