/** How the stock tokenizer's ids differ from the reference ones, prompt by prompt. */
export interface TokenExample {
  readonly text: string;
  readonly reference: readonly number[];
  readonly stock: readonly number[];
}

export interface TokenComparison {
  readonly prompts: number;
  readonly differing: number;
  /** The first few differing prompts, with both id lists. */
  readonly examples: readonly TokenExample[];
  /** Prompts the stock pipeline feeds without the end token (cut at the context length after adding it). */
  readonly endLost: { readonly count: number; readonly examples: readonly string[] };
}

export const TOKEN_EXAMPLES = 3;

/**
 * `reference[i]` and `stock[i]` are the ids each pipeline feeds the text tower for `texts[i]`.
 * The end token counts as lost when a stock row holds no `endTokenId` at all: CLIP's pooling reads
 * the end token's position, so such a prompt is embedded from whatever token was cut last.
 */
export function compareTokens(
  texts: readonly string[],
  reference: readonly (readonly number[])[],
  stock: readonly (readonly number[])[],
  endTokenId: number,
): TokenComparison {
  if (reference.length !== texts.length || stock.length !== texts.length) {
    throw new Error(`token lists differ in length: ${texts.length} texts, ${reference.length} reference, ${stock.length} stock`);
  }
  const differing = texts.flatMap((text, i) =>
    sameIds(reference[i]!, stock[i]!) ? [] : [{ text, reference: reference[i]!, stock: stock[i]! }],
  );
  const lost = texts.filter((_, i) => !stock[i]!.includes(endTokenId));
  return {
    prompts: texts.length,
    differing: differing.length,
    examples: differing.slice(0, TOKEN_EXAMPLES),
    endLost: { count: lost.length, examples: lost.slice(0, TOKEN_EXAMPLES) },
  };
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
