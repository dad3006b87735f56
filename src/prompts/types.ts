import { InputError } from '../errors.js';

/** The field a template fills: a class name (classification) or a caption (retrieval). */
export type PromptVariable = 'label' | 'caption';

export interface PromptTemplate {
  /** The template as written in the file. */
  readonly source: string;
  /** 1-based line in the prompt file, for error messages. */
  readonly line: number;
  readonly variables: readonly PromptVariable[];
  render(values: Readonly<Partial<Record<PromptVariable, string>>>): string;
}

export interface PromptSet {
  /** Display name: the file name without `.hbs`. */
  readonly name: string;
  /** Absolute path of the prompt file. */
  readonly file: string;
  /** One template is a single prompt; several form an ensemble. */
  readonly templates: readonly PromptTemplate[];
  /** Class name → the wording to use in prompts, from a `#@ classnames:` directive. */
  readonly classNameOverrides: Readonly<Record<string, string>>;
}

/** A problem in a prompt file: the CLI reports it with the file and line and exits 2. */
export class PromptError extends InputError {
  override readonly name = 'PromptError';
}
