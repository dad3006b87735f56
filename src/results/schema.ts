import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';

/**
 * results.json, version 1, of a classification run (a retrieval run's is in retrievalSchema.ts).
 * Documented field by field in the README ("Results file"); the descriptions here go into
 * schemas/results.schema.json. Objects accept keys they do not know, so a reader of version 1
 * also reads files from a later writer that only added fields.
 */
export const SCHEMA_VERSION = 1;

const count = z.int().min(0);

export const cacheCountsSchema = z.object({
  fromCache: count.describe('Distinct embeddings found in the cache'),
  computed: count.describe('Distinct embeddings computed in this run'),
});

/**
 * Wall-clock seconds per stage of `bench run`, in the order they run (a retrieval run embeds the
 * images before the texts). The stages do not overlap, so they add up to `total` but for the few
 * milliseconds between them.
 */
export const runTimingsSchema = z
  .object({
    startup: z.number().describe('Process start to the first stage: Node itself, loading the CLI, reading the settings file'),
    dataset: z.number().describe('Reading the prompt files and the dataset, picking the subset, opening the embedding cache'),
    modelLoad: z
      .number()
      .describe(
        'Reading the preprocessing config, plus the tokenizer and each ONNX tower when the run needs them (they load lazily, ' +
          'inside the embedding stages; their time is counted here, not there), including one warm-up inference per tower. ' +
          'Near 0 on a run served entirely from the cache',
      ),
    textEmbedding: z.number().describe('Prompt embeddings: cache lookups, tokenizing and the text tower for the misses'),
    imageEmbedding: z
      .number()
      .describe('Image embeddings: hashing the images, cache lookups, decoding, preprocessing and the vision tower for the misses'),
    imagesPerSecond: z
      .number()
      .nullable()
      .describe('Images of the run (evaluated or unreadable) per second of imageEmbedding; null if that took no measurable time'),
    metrics: z.number().describe('Scoring every prompt set (classifiers, metrics, per-item predictions) and assembling the results'),
    report: z.number().describe('Writing results.json, the history line and the report (index.html, summary.md, metrics.csv)'),
    total: z.number().describe('Process start to the end of the report'),
  })
  .describe("Where the run's time went, in seconds per stage");

/** `run` of both tasks; a retrieval run replaces `dataset` and adds `ks`. */
export const runInfoSchema = z.object({
  id: z.string().describe("The run folder's name; it starts with the UTC start time"),
  createdAt: z.string().describe('Start time, ISO 8601'),
  toolVersion: z.string(),
  model: z.object({
    id: z.string().describe('Hub id or model folder'),
    kind: z.enum(['local', 'hub']),
    revision: z
      .string()
      .optional()
      .describe('The hub branch, tag or commit (`--revision`) the files were downloaded at; absent for a local folder'),
    dtype: z.string(),
    onnxSha256: z.record(z.string(), z.string()).describe('sha256 of each ONNX file used, keyed by its path in the model folder'),
    family: z.string().optional().describe('config.json\'s model_type: the family whose pipeline ran (README, "Model families")'),
    head: z
      .object({ kind: z.enum(['softmax', 'sigmoid']), scale: z.number(), bias: z.number() })
      .optional()
      .describe(
        'How `items[].predictions[].prob` is computed from the cosine: softmax(scale·cos) over the classes (CLIP, scale 100) or ' +
          'sigmoid(scale·cos + bias) per class (SigLIP, scale = exp(logit_scale)). Absent in files written before families existed (softmax)',
      ),
  }),
  preprocess: z.object({
    resize: z
      .literal('squash')
      .optional()
      .describe('SigLIP: resized straight to cropSize×cropSize, no crop; absent: shortest side to size, centre crop'),
    mode: z.string(),
    size: z.number(),
    cropSize: z.number(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
  }),
  dataset: z.object({
    name: z.string(),
    format: z.string(),
    path: z.string(),
    itemCount: count.describe('Items selected for the run, including any that failed to load'),
    classNames: z.array(z.string()),
    limit: z.number().nullable(),
    perClass: z.number().nullable(),
  }),
  cache: z
    .object({
      location: z.string().nullable().describe('The store used, or null with --no-cache'),
      images: cacheCountsSchema,
      texts: cacheCountsSchema,
    })
    .describe('How many distinct embeddings came from the cache and how many were computed in this run'),
  seed: z.number(),
  batchSize: z.number(),
  threads: z.number(),
  durationMs: z.number(),
  timings: runTimingsSchema.describe('Absent in files written before timings were recorded').optional(),
});

const classificationMetricsSchema = z.object({ acc1: z.number(), acc5: z.number().nullable(), mean_per_class_recall: z.number() });

export const promptSetResultSchema = z.object({
  name: z.string(),
  file: z.string(),
  templates: z.array(z.string()).describe('The templates as written'),
  prompts: z.record(z.string(), z.array(z.string())).describe('Rendered prompts: class name → one prompt per template'),
  truncatedPrompts: z.array(z.string()).describe("Rendered prompts cut at the model's context length"),
  metrics: classificationMetricsSchema,
  perTemplate: z
    .array(
      z.object({
        line: z.int().min(1).describe('1-based line of the template in the prompt file'),
        template: z.string().describe('The template as written'),
        metrics: classificationMetricsSchema.describe("This template's prompts alone as the classifier"),
      }),
    )
    .describe(
      'Every template scored alone, from the same embeddings, in file order; a one-template file has one entry equal to ' +
        '`metrics`. Absent in files written before per-template scores were recorded',
    )
    .optional(),
  perClass: z.array(z.object({ label: z.string(), recall: z.number().nullable(), support: count })),
  confusion: z
    .object({ labels: z.array(z.string()), matrix: z.array(z.array(count)) })
    .describe('matrix[true][predicted], rows and columns in `labels` order'),
});

export const predictionSchema = z.object({ label: z.string(), prob: z.number() });

export const itemResultSchema = z.object({
  id: z.string().describe('Path relative to the dataset root (or `<file>#<index>` for IDX records)'),
  label: z.string(),
  predictions: z
    .record(z.string(), z.array(predictionSchema))
    .describe('Prompt set name → top-5 (fewer with fewer classes) classes by probability'),
});

export const itemErrorSchema = z.object({ item: z.string(), reason: z.string() }).describe('An image that could not be read');

export const resultsSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    task: z
      .literal('classification')
      .describe('Absent in files written before retrieval existed; a retrieval run\'s file says "retrieval"')
      .optional(),
    run: runInfoSchema,
    promptSets: z.array(promptSetResultSchema),
    items: z.array(itemResultSchema),
    errors: z.array(itemErrorSchema),
  })
  .describe('results.json of a classification run');

export type Results = DeepReadonly<z.output<typeof resultsSchema>>;
export type RunInfo = Results['run'];
export type RunTimings = DeepReadonly<z.output<typeof runTimingsSchema>>;
export type CacheCounts = DeepReadonly<z.output<typeof cacheCountsSchema>>;
export type PromptSetResult = Results['promptSets'][number];
export type TemplateResult = NonNullable<PromptSetResult['perTemplate']>[number];
export type Prediction = DeepReadonly<z.output<typeof predictionSchema>>;
export type ItemResult = Results['items'][number];
export type ItemErrorResult = Results['errors'][number];
