import { l2Normalize, type Vector } from './vectors.js';

/**
 * Zero-shot class vectors from raw text embeddings, as CLIP_benchmark's zero_shot_classifier:
 * normalise each template's embedding, average over templates, normalise again.
 * @param textEmbeddings [class][template][dim]
 * @returns [class][dim]
 */
export function buildClassifier(textEmbeddings: readonly (readonly Vector[])[]): number[][] {
  return textEmbeddings.map((templates, classIndex) => {
    if (templates.length === 0) throw new Error(`class ${classIndex} has no template embeddings`);
    const dim = templates[0]!.length;
    const mean = new Float64Array(dim);
    for (const embedding of templates) {
      const unit = l2Normalize(embedding);
      if (unit.length !== dim) throw new Error(`class ${classIndex}: template embeddings differ in dimension`);
      for (let d = 0; d < dim; d++) mean[d]! += unit[d]! / templates.length;
    }
    return Array.from(l2Normalize(mean));
  });
}
