import type { ClipModel } from '../model/clipModel.js';
import type { TokenizedText } from '../model/types.js';
import { createProgress } from './progress.js';

export interface TextEmbeddings {
  /** Embedding of each distinct prompt string. */
  readonly byText: ReadonlyMap<string, Float32Array>;
  /** Prompts cut at the model's context length (they lose their tail). */
  readonly truncated: readonly TokenizedText[];
}

/** Encodes every distinct prompt once, in batches sorted by length so padding stays small. */
export async function embedTexts(model: ClipModel, prompts: readonly string[], batchSize: number): Promise<TextEmbeddings> {
  const distinct = [...new Set(prompts)];
  const tokens = model.tokenizer.tokenize(distinct).sort((a, b) => a.ids.length - b.ids.length);
  const byText = new Map<string, Float32Array>();
  const progress = createProgress({ label: 'prompts', total: tokens.length });
  for (let start = 0; start < tokens.length; start += batchSize) {
    const batch = tokens.slice(start, start + batchSize);
    const vectors = await model.embedTexts(batch);
    batch.forEach((t, i) => byText.set(t.text, vectors[i]!));
    progress.tick(batch.length);
  }
  progress.done();
  return { byText, truncated: tokens.filter((t) => t.truncated) };
}
