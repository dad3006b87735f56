import { decodeSource } from '../model/decodeSource.js';
import type { ClipModel } from '../model/clipModel.js';
import { preprocessImage } from '../model/preprocess.js';
import { normalized } from './types.js';

/** A text query as the text tower sees it: tokenized (cut at the context length), embedded, unit length. */
export async function embedTextQuery(model: ClipModel, text: string): Promise<{ vector: Float32Array; truncated: boolean }> {
  const [tokens] = (await model.tokenizer()).tokenize([text]);
  const [vector] = await model.embedTexts([tokens!]);
  return { vector: normalized(vector!), truncated: tokens!.truncated };
}

/** An image query preprocessed exactly as the indexed images were. */
export async function embedImageQuery(model: ClipModel, file: string): Promise<Float32Array> {
  const pixels = preprocessImage(await decodeSource({ kind: 'file', path: file }), model.preprocess);
  const [vector] = await model.embedImages([pixels]);
  return normalized(vector!);
}
