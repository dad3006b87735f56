import { LOGIT_SCALE } from './classification.js';
import { dot, l2Normalize, type Vector } from './vectors.js';

/**
 * Logits of the score ensemble (DCLIP, Menon & Vondrick 2023, `classify_by_descriptions`):
 * for image i and class c with prompts p = 1..P_c,
 *
 *   logit[i][c] = 100 · (1/P_c) · Σ_p normalise(image_i) · normalise(prompt_{c,p})
 *
 * i.e. the mean over the class's prompts of the cosine similarity, times CLIP's logit scale.
 * DCLIP normalises both the image and each descriptor embedding (`F.normalize`), takes
 * `image_encodings @ descriptor_encodings.T` per class and its mean over descriptors — matched here.
 * DCLIP softmaxes the unscaled mean cosine; we multiply by 100 so that the probabilities we report are
 * on the same scale as the embedding ensemble's. The scale is linear, so applying it before or after
 * the mean gives the same number, and it changes no ranking (acc1, acc5, recall, confusion).
 * With one prompt per class this equals the embedding ensemble's logits.
 * @param imageEmbeddings raw, [image][dim]; normalised here
 * @param promptEmbeddings raw, [class][prompt][dim]; each normalised here
 * @returns [image][class]
 */
export function scoreEnsembleLogits(imageEmbeddings: readonly Vector[], promptEmbeddings: readonly (readonly Vector[])[]): Float64Array[] {
  const prompts = promptEmbeddings.map((perClass, c) => {
    if (perClass.length === 0) throw new Error(`class ${c} has no prompt embeddings`);
    return perClass.map((p) => l2Normalize(p));
  });
  return imageEmbeddings.map((image) => {
    const unit = l2Normalize(image);
    const out = new Float64Array(prompts.length);
    prompts.forEach((perClass, c) => {
      let sum = 0;
      for (const p of perClass) sum += dot(unit, p);
      out[c] = (LOGIT_SCALE * sum) / perClass.length;
    });
    return out;
  });
}
