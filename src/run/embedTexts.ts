import { cachedCompute, type CacheSession } from '../cache/cachedCompute.js';
import { textKey } from '../cache/keys.js';
import type { ClipModel } from '../model/clipModel.js';
import type { TokenizedText } from '../model/types.js';
import { createProgress } from './progress.js';

export interface TextEmbeddings {
  /** Embedding of each distinct prompt string. */
  readonly byText: ReadonlyMap<string, Float32Array>;
  /** Prompts cut at the model's context length (they lose their tail). */
  readonly truncated: ReadonlySet<string>;
  /** The tokenizer's context length, in tokens (77 for CLIP). */
  readonly contextLength: number;
  readonly fromCache: number;
  readonly computed: number;
}

/**
 * Encodes every distinct prompt once (and once ever, with the cache). Prompts are tokenized first,
 * because the cache keys a text by the ids it feeds; misses are batched in order of token count,
 * so padding to the longest in a batch stays small.
 */
export async function embedTexts(
  model: ClipModel,
  prompts: readonly string[],
  batchSize: number,
  session: CacheSession,
): Promise<TextEmbeddings> {
  const tokenizer = await model.tokenizer();
  const tokenized = tokenizer.tokenize([...new Set(prompts)]);
  const identity = await model.identity('text');
  const keyed = tokenized.map((item) => ({ key: textKey(item.ids, tokenizer.padding, identity), item }));
  const progress = createProgress({ label: 'prompts', total: keyed.length });
  const result = await cachedCompute<TokenizedText, readonly TokenizedText[]>({
    kind: 'text',
    model: `${identity.label}@${identity.dtype}`,
    items: [...keyed].sort((a, b) => a.item.ids.length - b.item.ids.length),
    batchSize,
    session,
    onProgress: (n) => progress.tick(n),
    onWaiting: (batches) => progress.waiting(batches),
    prepare: (texts) => Promise.resolve(texts),
    compute: async (texts) => (await model.embedTexts(texts)).map((vector) => ({ vector, flags: 0 })),
  });
  progress.done();
  return {
    byText: new Map(keyed.map(({ key, item }) => [item.text, result.vectors.get(key)!.vector])),
    truncated: new Set(tokenized.filter((t) => t.truncated).map((t) => t.text)),
    contextLength: tokenizer.contextLength,
    fromCache: result.hits,
    computed: result.computed,
  };
}
