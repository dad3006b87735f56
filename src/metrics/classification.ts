import { argmax, rankOf, similarityMatrix, type Vector } from './vectors.js';

/** CLIP's learned logit scale, fixed at 100 in CLIP_benchmark's zero-shot evaluation. */
export const LOGIT_SCALE = 100;

export interface ClassificationInput {
  /** Raw image embeddings, [image][dim]; normalised here. */
  readonly imageEmbeddings: readonly Vector[];
  /** Unit class vectors from buildClassifier, [class][dim]. */
  readonly classVectors: readonly Vector[];
  /** True class index of each image. */
  readonly targets: readonly number[];
}

export interface ClassificationMetrics {
  readonly acc1: number;
  /** null with fewer than 5 classes, where top-5 accuracy is meaningless. */
  readonly acc5: number | null;
  readonly mean_per_class_recall: number;
  /** Predicted class of each image. */
  readonly top1: number[];
}

export interface ClassificationDetails extends ClassificationMetrics {
  /** 100 · image · class, [image][class]. */
  readonly logits: Float64Array[];
  /** Rank of the true class among the logits, 0 = top-1. */
  readonly targetRanks: number[];
  readonly perClass: PerClassStats[];
  /** confusion[true][predicted] counts. */
  readonly confusion: number[][];
}

export interface PerClassStats {
  readonly recall: number | null;
  readonly support: number;
}

export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  const { acc1, acc5, mean_per_class_recall, top1 } = classificationDetails(input);
  return { acc1, acc5, mean_per_class_recall, top1 };
}

export function classificationDetails(input: ClassificationInput): ClassificationDetails {
  const { imageEmbeddings, classVectors, targets } = input;
  if (imageEmbeddings.length !== targets.length) {
    throw new Error(`${imageEmbeddings.length} image embeddings but ${targets.length} targets`);
  }
  return detailsFromLogits(similarityMatrix(imageEmbeddings, classVectors, LOGIT_SCALE), targets, classVectors.length);
}

/**
 * The same metrics from logits computed elsewhere (the score ensemble), [image][class].
 * @param numClasses needed when there are no images; defaults to the logits' width
 */
export function classificationDetailsFromLogits(
  logits: readonly Float64Array[],
  targets: readonly number[],
  numClasses = logits[0]?.length ?? 0,
): ClassificationDetails {
  if (logits.length !== targets.length) throw new Error(`${logits.length} logit rows but ${targets.length} targets`);
  return detailsFromLogits([...logits], targets, numClasses);
}

function detailsFromLogits(logits: Float64Array[], targets: readonly number[], numClasses: number): ClassificationDetails {
  const top1 = logits.map(argmax);
  const targetRanks = logits.map((row, i) => rankOf(row, checkTarget(targets[i]!, numClasses, i)));
  const confusion = confusionMatrix(targets, top1, numClasses);
  const perClass = perClassRecall(confusion);
  return {
    acc1: share(targetRanks, 1),
    acc5: numClasses < 5 ? null : share(targetRanks, 5),
    mean_per_class_recall: balancedAccuracy(perClass),
    top1,
    logits,
    targetRanks,
    perClass,
    confusion,
  };
}

function checkTarget(target: number, numClasses: number, image: number): number {
  if (!Number.isInteger(target) || target < 0 || target >= numClasses) {
    throw new Error(`target ${target} of image ${image} is not a class index below ${numClasses}`);
  }
  return target;
}

function share(ranks: readonly number[], k: number): number {
  if (ranks.length === 0) return 0;
  return ranks.filter((r) => r < k).length / ranks.length;
}

function confusionMatrix(targets: readonly number[], predictions: readonly number[], n: number): number[][] {
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  targets.forEach((t, i) => matrix[t]![predictions[i]!]!++);
  return matrix;
}

function perClassRecall(confusion: readonly number[][]): PerClassStats[] {
  return confusion.map((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    return { recall: support === 0 ? null : row[c]! / support, support };
  });
}

/**
 * sklearn's balanced_accuracy_score: the mean recall over classes that occur in the targets.
 * Classes without support are left out (sklearn warns and drops them), not counted as zero.
 */
function balancedAccuracy(perClass: readonly PerClassStats[]): number {
  const recalls = perClass.flatMap((c) => (c.recall === null ? [] : [c.recall]));
  return recalls.length === 0 ? 0 : recalls.reduce((a, b) => a + b, 0) / recalls.length;
}
