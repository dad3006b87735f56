import { InputError } from '../errors.js';

/**
 * The field a template fills: a class name (classification) or a caption (retrieval), and a
 * class description from `#@ descriptors:` (classification).
 */
export type PromptVariable = 'label' | 'caption' | 'descriptor';

/**
 * How a class's prompts combine (`#@ ensemble:`): `embedding` (CLIP: normalise each prompt
 * embedding, average, normalise) or `score` (DCLIP: average the per-prompt cosine scores).
 */
export type PromptEnsemble = 'embedding' | 'score';

/** Where `{{descriptor}}` values come from (`#@ descriptors:`). */
export interface PromptDescriptors {
  /** The directive's value as written: a file path or `random(...)`. */
  readonly source: string;
  /** From a descriptor file: class name → its descriptions (may name classes the dataset lacks). */
  readonly byClass?: Readonly<Record<string, readonly string[]>>;
  /** From `random(...)`: the same drawn descriptions for every class (as WaffleCLIP). */
  readonly shared?: readonly string[];
}

export interface PromptTemplate {
  /** The template as written in the file. */
  readonly source: string;
  /** 1-based line in the prompt file, for error messages. */
  readonly line: number;
  readonly variables: readonly PromptVariable[];
  render(values: Readonly<Partial<Record<PromptVariable, string>>>): string;
}

export interface PromptSet {
  /** Display name: the file name without `.hbs` / `.json`. */
  readonly name: string;
  /** Absolute path of the prompt file. */
  readonly file: string;
  /** One template is a single prompt; several form an ensemble. */
  readonly templates: readonly PromptTemplate[];
  /** Class name → the wording to use in prompts, from a `#@ classnames:` directive. */
  readonly classNameOverrides: Readonly<Record<string, string>>;
  /** `#@ ensemble:`; 'embedding' unless the file says otherwise (a `.json` file always). */
  readonly ensemble: PromptEnsemble;
  /**
   * A per-class `.json` prompt file: class name → its prompts, used verbatim. `templates` then
   * holds one pseudo-template (line 1) standing for the whole file in per-template results.
   */
  readonly classPrompts?: Readonly<Record<string, readonly string[]>>;
  /** `#@ descriptors:`: each template using {{descriptor}} gives one prompt per descriptor. */
  readonly descriptors?: PromptDescriptors;
}

/** A problem in a prompt file: the CLI reports it with the file and line and exits 2. */
export class PromptError extends InputError {
  override readonly name = 'PromptError';
}
