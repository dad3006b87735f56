import { buildClassifier } from '../metrics/classifier.js';
import { argmax, dot, l2Normalize, type Vector } from '../metrics/vectors.js';

/** One pipeline's embeddings for zero-shot classification. */
export interface PipelineEmbeddings {
  readonly images: readonly Vector[];
  /** [class][prompt] raw text embeddings. */
  readonly prompts: readonly (readonly Vector[])[];
}

export interface Flip {
  readonly image: string;
  readonly label: string;
  readonly reference: string;
  readonly stock: string;
}

export interface FlipSummary {
  readonly images: number;
  /** Images whose top-1 class differs between the two pipelines. */
  readonly flips: number;
  readonly referenceCorrect: number;
  readonly stockCorrect: number;
  readonly referenceAcc1: number;
  readonly stockAcc1: number;
  /** (stock correct − reference correct) / images. */
  readonly acc1Change: number;
  readonly examples: readonly Flip[];
}

export const FLIP_EXAMPLES = 5;

export interface FlipInput {
  readonly imageIds: readonly string[];
  readonly labels: readonly number[];
  readonly classNames: readonly string[];
  readonly reference: PipelineEmbeddings;
  readonly stock: PipelineEmbeddings;
}

/** Each pipeline classifies with its own class vectors (CLIP's embedding ensemble), as a run would. */
export function zeroShotFlips(input: FlipInput): FlipSummary {
  const referenceTop = top1(input.reference);
  const stockTop = top1(input.stock);
  const n = input.labels.length;
  const correct = (top: readonly number[]): number => top.filter((c, i) => c === input.labels[i]).length;
  const flipped = referenceTop.flatMap((r, i) => (r === stockTop[i] ? [] : [i]));
  const referenceCorrect = correct(referenceTop);
  const stockCorrect = correct(stockTop);
  const name = (c: number): string => input.classNames[c] ?? String(c);
  return {
    images: n,
    flips: flipped.length,
    referenceCorrect,
    stockCorrect,
    referenceAcc1: n === 0 ? 0 : referenceCorrect / n,
    stockAcc1: n === 0 ? 0 : stockCorrect / n,
    acc1Change: n === 0 ? 0 : (stockCorrect - referenceCorrect) / n,
    examples: flipped.slice(0, FLIP_EXAMPLES).map((i) => ({
      image: input.imageIds[i] ?? String(i),
      label: name(input.labels[i]!),
      reference: name(referenceTop[i]!),
      stock: name(stockTop[i]!),
    })),
  };
}

function top1(embeddings: PipelineEmbeddings): number[] {
  const classes = buildClassifier(embeddings.prompts);
  return embeddings.images.map((image) => {
    const unit = l2Normalize(image);
    return argmax(classes.map((c) => dot(unit, c)));
  });
}
