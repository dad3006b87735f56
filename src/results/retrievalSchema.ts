import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';
import { itemErrorSchema, resultsSchema, runInfoSchema, SCHEMA_VERSION } from './schema.js';

/** results.json of a retrieval run (`task: "retrieval"`); documented in the README ("Results file"). */

const index = z.int().min(0);

export const retrievalPromptSetSchema = z.object({
  name: z.string(),
  file: z.string().nullable().describe('The prompt file, or null when captions were used as they are'),
  templates: z.array(z.string()),
  truncatedPrompts: z.array(z.string()),
  metrics: z.record(z.string(), z.number()).describe('`image_retrieval_recall@k` and `text_retrieval_recall@k` for each k'),
  perTemplate: z
    .array(
      z.object({
        line: z.int().min(1).describe('1-based line of the template in the prompt file (1 for captions as they are)'),
        template: z.string().describe('The template as written'),
        metrics: z.record(z.string(), z.number()).describe("recall@k with this template's captions alone"),
      }),
    )
    .describe(
      'Every template scored alone, from the same embeddings, in file order; a one-template set has one entry equal to ' +
        '`metrics`. Absent in files written before per-template scores were recorded',
    )
    .optional(),
  ranks: z.object({
    imageRankPerCaption: z.array(index).describe('Per caption: rank of its image among all images (0 = first)'),
    captionRankPerImage: z.array(index).describe('Per image: best rank of any of its captions among all captions (0 = first)'),
  }),
  examples: z
    .object({
      captionToImages: z.array(z.object({ caption: index, top: z.array(index) })),
      imageToCaptions: z.array(z.object({ image: index, top: z.array(index) })),
    })
    .describe('The top 5 results of the first few queries each way, for the report'),
});

export const retrievalResultsSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    task: z.literal('retrieval'),
    run: runInfoSchema.extend({
      dataset: z.object({
        name: z.string(),
        format: z.string(),
        path: z.string().describe('The caption file'),
        imagesDir: z.string(),
        imageCount: index.describe('Images selected for the run, including any that failed to load'),
        captionCount: index,
        limit: z.number().nullable(),
      }),
      ks: z.array(z.int().min(1)).describe('The k values of recall@k'),
    }),
    images: z.array(z.object({ id: z.string() })).describe('Images evaluated (unreadable ones are under `errors`), in dataset order'),
    captions: z.array(z.object({ text: z.string(), image: index })).describe('Captions of the evaluated images; `image` indexes `images`'),
    promptSets: z.array(retrievalPromptSetSchema),
    errors: z.array(itemErrorSchema),
  })
  .describe('results.json of a retrieval run');

export type RetrievalResults = DeepReadonly<z.output<typeof retrievalResultsSchema>>;
export type RetrievalPromptSetResult = RetrievalResults['promptSets'][number];
export type RetrievalTemplateResult = NonNullable<RetrievalPromptSetResult['perTemplate']>[number];

/** results.json of either task, told apart by `task` (absent in classification files written before retrieval existed). */
export const resultsFileSchema = z
  .discriminatedUnion('task', [resultsSchema, retrievalResultsSchema])
  .describe('ClipBench results.json (schemaVersion 1), written by `bench run`');
