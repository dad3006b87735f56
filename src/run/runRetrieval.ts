import type { RetrievalDataset } from '../datasets/types.js';
import { buildClassifier, recallAtKs, retrievalMetrics, retrievalRanks, retrievalScores } from '../metrics/index.js';
import type { PromptSet } from '../prompts/index.js';
import type { RetrievalPromptSetResult, RetrievalResults } from '../results/retrievalSchema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { embedImages } from './embedImages.js';
import { embedTexts } from './embedTexts.js';
import { runInfo, timeStage, type RunContext } from './runInfo.js';

export interface RetrievalRunOptions extends RunContext {
  readonly dataset: RetrievalDataset;
  readonly limit: number | null;
  /** Caption wrappers (`a photo of {{caption}}`); a set with the single template `{{caption}}` uses captions as they are. */
  readonly promptSets: readonly PromptSet[];
  readonly ks: readonly number[];
}

const EXAMPLES = 10;
const TOP = 5;

/** Embeds images once and every prompt set's captions, then scores retrieval both ways per prompt set. */
export async function runRetrieval(options: RetrievalRunOptions): Promise<RetrievalResults> {
  const { dataset, model, promptSets } = options;
  const images = await timeStage(options, 'imageEmbedding', () => embedImages(model, dataset.images, options.batchSize, options.cache));
  const keptIndex = new Map<number, number>();
  dataset.images.forEach((_, i) => images.embeddings[i] && keptIndex.set(i, keptIndex.size));
  const captions = dataset.captions.flatMap((c) => (keptIndex.has(c.image) ? [{ text: c.text, image: keptIndex.get(c.image)! }] : []));
  const imageEmbeddings = dataset.images.flatMap((_, i) => (images.embeddings[i] ? [images.embeddings[i]] : []));
  const rendered = promptSets.map((set) => captions.map((c) => set.templates.map((t) => t.render({ caption: c.text }))));
  const texts = await timeStage(options, 'textEmbedding', () => embedTexts(model, rendered.flat(2), options.batchSize, options.cache));
  return timeStage(options, 'metrics', async () => {
    const captionImageIndex = captions.map((c) => c.image);
    // A caption's templates are ensembled exactly like a class's: normalise, average, normalise.
    const embed = (prompts: readonly string[][]): number[][] =>
      buildClassifier(prompts.map((perCaption) => perCaption.map((p) => texts.byText.get(p)!)));
    const sets = promptSets.map((set, s): RetrievalPromptSetResult => {
      const input = { imageEmbeddings, textEmbeddings: embed(rendered[s]!), captionImageIndex, ks: options.ks };
      const scores = retrievalScores(input);
      const ranks = retrievalRanks(input, scores);
      const metrics = recallAtKs(ranks, options.ks);
      // Each template alone: its captions only, exactly what a one-line file holding it scores.
      const perTemplate = set.templates.map((template, t) => ({
        line: template.line,
        template: template.source,
        metrics:
          set.templates.length === 1
            ? metrics
            : retrievalMetrics({ ...input, textEmbeddings: embed(rendered[s]!.map((perCaption) => [perCaption[t]!])) }),
      }));
      return {
        name: set.name,
        file: set.file === '' ? null : set.file,
        templates: set.templates.map((t) => t.source),
        truncatedPrompts: [...new Set(rendered[s]!.flat())].filter((p) => texts.truncated.has(p)),
        metrics,
        perTemplate,
        ranks,
        examples: examples(scores),
      };
    });
    sets.forEach((r) => r.truncatedPrompts.forEach((p) => options.onTruncated?.(p, r.name, texts.contextLength)));
    const info = await runInfo(options, { images, texts });
    return {
      schemaVersion: SCHEMA_VERSION,
      task: 'retrieval',
      run: {
        ...info,
        dataset: {
          name: dataset.name,
          format: dataset.format,
          path: dataset.root,
          imagesDir: dataset.imagesDir,
          imageCount: dataset.images.length,
          captionCount: dataset.captions.length,
          limit: options.limit,
        },
        ks: options.ks,
      },
      images: dataset.images.filter((_, i) => keptIndex.has(i)).map((image) => ({ id: image.id })),
      captions,
      promptSets: sets,
      errors: images.errors,
    };
  });
}

function examples(scores: readonly Float64Array[]): RetrievalPromptSetResult['examples'] {
  const top = (row: ArrayLike<number>): number[] =>
    Array.from(row, (_, i) => i)
      .sort((a, b) => row[b]! - row[a]! || a - b)
      .slice(0, TOP);
  const column = (image: number): Float64Array => Float64Array.from(scores, (row) => row[image]!);
  const images = scores[0]?.length ?? 0;
  return {
    captionToImages: scores.slice(0, EXAMPLES).map((row, caption) => ({ caption, top: top(row) })),
    imageToCaptions: Array.from({ length: Math.min(EXAMPLES, images) }, (_, image) => ({ image, top: top(column(image)) })),
  };
}
