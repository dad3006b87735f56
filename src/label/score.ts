import { buildClassifier, classProbabilities, LOGIT_SCALE, scoreEnsembleLogits, type Vector } from '../metrics/index.js';
import { similarityMatrix } from '../metrics/vectors.js';
import type { LogitHead } from '../model/types.js';
import type { PromptEnsemble } from '../prompts/index.js';

/** One image's label: its top-k classes, how far the first leads the second, and whether to review it. */
export interface LabelRow {
  readonly image: string;
  readonly top: readonly { readonly label: string; readonly prob: number }[];
  readonly margin: number;
  readonly uncertain: boolean;
}

export interface Thresholds {
  /** Uncertain below this top-1 probability (0: never). */
  readonly minProb: number;
  /** Uncertain below this top-1 − top-2 margin (0: never). */
  readonly minMargin: number;
}

/** Scores images against fixed class prompts, as `bench run` scores a prompt file, one chunk at a time. */
export interface Labeller {
  label(ids: readonly string[], embeddings: readonly Vector[]): LabelRow[];
}

export interface LabellerOptions {
  readonly classNames: readonly string[];
  /** Raw prompt embeddings, [class][prompt][dim]. */
  readonly promptEmbeddings: readonly (readonly Vector[])[];
  readonly ensemble: PromptEnsemble;
  readonly head: LogitHead;
  readonly topK: number;
  readonly thresholds: Thresholds;
}

/**
 * The logits zeroShotDetails computes for `bench run` (class vectors built once), then the family's
 * probabilities and runClassification's ordering (probability, then class index), so a label here
 * is exactly the top-1 prediction `bench run` reports for the same prompt file.
 */
export function createLabeller(options: LabellerOptions): Labeller {
  const { classNames, promptEmbeddings, head, thresholds } = options;
  const classVectors = options.ensemble === 'score' ? null : buildClassifier(promptEmbeddings);
  const k = Math.min(options.topK, classNames.length);
  return {
    label(ids, embeddings) {
      const logits =
        classVectors === null ? scoreEnsembleLogits(embeddings, promptEmbeddings) : similarityMatrix(embeddings, classVectors, LOGIT_SCALE);
      return logits.map((row, i) => {
        const probs = classProbabilities(row, head);
        const order = [...probs.keys()].sort((a, b) => probs[b]! - probs[a]! || a - b);
        const first = probs[order[0]!]!;
        // With one class there is no runner-up: the margin is the probability itself.
        const margin = first - (order.length > 1 ? probs[order[1]!]! : 0);
        return {
          image: ids[i]!,
          top: order.slice(0, k).map((c) => ({ label: classNames[c]!, prob: probs[c]! })),
          margin,
          uncertain: first < thresholds.minProb || margin < thresholds.minMargin,
        };
      });
    },
  };
}
