import { cachedCompute, type CacheSession } from '../cache/cachedCompute.js';
import { textKey } from '../cache/keys.js';
import type { ClipModel } from '../model/clipModel.js';
import { createProgress } from './progress.js';

export interface TextEmbeddings {
  /** Embedding of each distinct prompt string. */
  readonly byText: ReadonlyMap<string, Float32Array>;
  /** Prompts cut at the model's context length (they lose their tail). */
  readonly truncated: ReadonlySet<string>;
  readonly fromCache: number;
  readonly computed: number;
}

const TRUNCATED = 1;

/**
 * Encodes every distinct prompt once (and once ever, with the cache). Misses are tokenized and
 * sorted by length before batching, so padding to the longest in a batch stays small.
 */
export async function embedTexts(model: ClipModel, prompts: readonly string[], batchSize: number, session: CacheSession): Promise<TextEmbeddings> {
  const distinct = [...new Set(prompts)];
  const identity = await model.identity('text');
  const keyed = distinct.map((text) => ({ key: textKey(text, identity), item: text }));
  const progress = createProgress({ label: 'prompts', total: keyed.length });
  const result = await cachedCompute({
    kind: 'text',
    model: `${identity.modelId}@${identity.dtype}`,
    // Character length is a free proxy for token length: no tokenizer load on a warm run.
    items: [...keyed].sort((a, b) => a.item.length - b.item.length),
    batchSize,
    session,
    onProgress: (n) => progress.tick(n),
    prepare: async (texts) => (await model.tokenizer()).tokenize(texts),
    compute: async (tokens) => {
      const vectors = await model.embedTexts(tokens);
      return vectors.map((vector, i) => ({ vector, flags: tokens[i]!.truncated ? TRUNCATED : 0 }));
    },
  });
  progress.done();
  const byText = new Map(keyed.map(({ key, item }) => [item, result.vectors.get(key)!]));
  return {
    byText: new Map([...byText].map(([text, v]) => [text, v.vector])),
    truncated: new Set([...byText].filter(([, v]) => (v.flags & TRUNCATED) !== 0).map(([text]) => text)),
    fromCache: result.hits,
    computed: result.computed,
  };
}
