import Handlebars from 'handlebars';
import { PromptError, type PromptTemplate, type PromptVariable } from './types.js';

const VARIABLES: readonly PromptVariable[] = ['label', 'caption', 'descriptor'];

/** Helpers that earn their place in prompt wording; kept in an isolated Handlebars environment. */
const HELPERS: Record<string, (value: unknown) => string> = {
  /** `{{article label}}` → "an ankle boot" / "a T-shirt": CLIP templates are sensitive to this. */
  article: (value) => `${startsWithVowelSound(String(value)) ? 'an' : 'a'} ${String(value)}`,
  lower: (value) => String(value).toLowerCase(),
  upper: (value) => String(value).toUpperCase(),
};
const BLOCK_HELPERS = ['if', 'unless'];

const handlebars = Handlebars.create();
for (const [name, fn] of Object.entries(HELPERS)) handlebars.registerHelper(name, fn);

export const HELPER_NAMES = Object.keys(HELPERS);

/** Compiles one template line. Throws PromptError naming `where` (file:line) on any problem. */
export function compileTemplate(source: string, line: number, where: string): PromptTemplate {
  const ast = parse(source, where);
  const paths = collectPaths(ast);
  const unknown = paths.filter((p) => !isKnown(p.original));
  if (unknown.length > 0) {
    const names = unknown.map((p) => `{{${p.original}}}`).join(', ');
    throw new PromptError(
      `${where}: unknown variable ${names}; templates may use {{label}} (the class name) or {{caption}}, ` +
        '{{descriptor}} (with "#@ descriptors: <file.json>"), ' +
        `and the helpers ${HELPER_NAMES.join(', ')}`,
    );
  }
  const variables = VARIABLES.filter((v) => paths.some((p) => p.original === v));
  if (!variables.includes('label') && !variables.includes('caption')) {
    throw new PromptError(`${where}: the template never uses {{label}} or {{caption}}, so every class would get the same prompt`);
  }
  // noEscape: prompts are plain text for the tokenizer; "T-shirt/top" and "rock & roll" must reach it unchanged.
  const compiled = handlebars.compile(source, { noEscape: true, strict: true });
  return {
    source,
    line,
    variables,
    render: (values) => renderChecked(compiled, values, variables, where),
  };
}

function renderChecked(
  compiled: HandlebarsTemplateDelegate,
  values: Readonly<Partial<Record<PromptVariable, string>>>,
  variables: readonly PromptVariable[],
  where: string,
): string {
  const missing = variables.filter((v) => values[v] === undefined);
  if (missing.length > 0) {
    throw new PromptError(`${where}: this task has no {{${missing[0]}}} to fill the template with`);
  }
  return compiled(values).replace(PY_STRIP, '');
}

/**
 * Python's str.strip(), not JS trim(): the reference tokenizer strips with Python's rules, so a
 * caption ending in U+FEFF (which trim() removes and Python keeps) must keep it.
 */
const PY_STRIP = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;

function parse(source: string, where: string): hbs.AST.Program {
  try {
    return handlebars.parse(source);
  } catch (error) {
    // Handlebars lists every token it expected; the token it got is the useful part.
    const got = error instanceof Error ? /got '([^']+)'/.exec(error.message)?.[1] : undefined;
    throw new PromptError(
      `${where}: template syntax error in "${source}"${got ? ` (unexpected ${got.toLowerCase()} token)` : ''}: ` +
        'check that every {{ has a matching }}; variables are written {{label}}, {{caption}} or {{descriptor}}',
    );
  }
}

function collectPaths(ast: hbs.AST.Program): hbs.AST.PathExpression[] {
  const found: hbs.AST.PathExpression[] = [];
  class PathCollector extends Handlebars.Visitor {
    override PathExpression(path: hbs.AST.PathExpression): void {
      found.push(path);
    }
  }
  new PathCollector().accept(ast);
  return found;
}

function isKnown(name: string): boolean {
  return (VARIABLES as readonly string[]).includes(name) || name in HELPERS || BLOCK_HELPERS.includes(name);
}

function startsWithVowelSound(word: string): boolean {
  return /^[aeiou]/i.test(word.trim());
}
