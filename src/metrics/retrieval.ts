import { l2Normalize, rankOf, similarityMatrix, type Vector } from './vectors.js';

export interface RetrievalInput {
  /** Raw image embeddings, [image][dim]; normalised here. */
  readonly imageEmbeddings: readonly Vector[];
  /** Raw caption embeddings, [caption][dim]; normalised here. */
  readonly textEmbeddings: readonly Vector[];
  /** For each caption, the index of its image. */
  readonly captionImageIndex: readonly number[];
  readonly ks: readonly number[];
}

export interface RetrievalRanks {
  /** Per caption: rank of its image among all images (0 = first). */
  readonly imageRankPerCaption: number[];
  /** Per image: best rank of any of its captions among all captions (0 = first). */
  readonly captionRankPerImage: number[];
}

/**
 * CLIP_benchmark's zeroshot_retrieval metrics. Scores are cosine similarities.
 * image_retrieval_recall@k: each caption queries the images; a hit when its image is in the top k;
 * averaged over captions. text_retrieval_recall@k: each image queries the captions; a hit when any
 * of its captions is in the top k; averaged over images.
 */
export function retrievalMetrics(input: RetrievalInput): Record<string, number> {
  return recallAtKs(retrievalRanks(input), input.ks);
}

/** The recall@k metrics from ranks already computed (a run keeps the ranks too, so scores once). */
export function recallAtKs(ranks: RetrievalRanks, ks: readonly number[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const k of ks) {
    result[`image_retrieval_recall@${k}`] = recallAt(ranks.imageRankPerCaption, k);
    result[`text_retrieval_recall@${k}`] = recallAt(ranks.captionRankPerImage, k);
  }
  return result;
}

/** Cosine similarity of every caption (rows) with every image (columns). */
export function retrievalScores(input: Pick<RetrievalInput, 'imageEmbeddings' | 'textEmbeddings'>): Float64Array[] {
  return similarityMatrix(input.textEmbeddings, input.imageEmbeddings.map(l2Normalize));
}

export function retrievalRanks(input: RetrievalInput, scores: readonly Float64Array[] = retrievalScores(input)): RetrievalRanks {
  const index = input.captionImageIndex;
  const numImages = input.imageEmbeddings.length;
  if (index.length !== scores.length) {
    throw new Error(`${scores.length} caption embeddings but ${index.length} caption→image indices`);
  }
  const imageRankPerCaption = scores.map((row, c) => rankOf(row, checkImage(index[c]!, numImages, c)));
  const captionRankPerImage = Array.from({ length: numImages }, (_, i) => bestCaptionRank(scores, index, i));
  return { imageRankPerCaption, captionRankPerImage };
}

function bestCaptionRank(scores: readonly Float64Array[], index: readonly number[], image: number): number {
  // The best-ranked own caption is the highest-scoring one, so one rank computation suffices.
  let best = -1;
  index.forEach((owner, caption) => {
    if (owner === image && (best < 0 || scores[caption]![image]! > scores[best]![image]!)) best = caption;
  });
  if (best < 0) return Infinity;
  return rankOf(
    Float64Array.from(scores, (row) => row[image]!),
    best,
  );
}

function checkImage(image: number, numImages: number, caption: number): number {
  if (!Number.isInteger(image) || image < 0 || image >= numImages) {
    throw new Error(`caption ${caption} points to image ${image}, but there are ${numImages} images`);
  }
  return image;
}

/** Share of queries whose rank is below k. Images without captions (rank ∞) count as misses. */
function recallAt(ranks: readonly number[], k: number): number {
  if (ranks.length === 0) return 0;
  return ranks.filter((r) => r < k).length / ranks.length;
}
