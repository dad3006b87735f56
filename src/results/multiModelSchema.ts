import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';
import { resultsSchema, runTimingsSchema } from './schema.js';

/**
 * results.json, version 2: a classification run of several (model, dtype) pairs. Each model's
 * results are a version-1 results object of that model alone (`models[].results`), so whatever
 * reads one model's run reads each of these; the envelope adds what only several models give:
 * their costs, paired comparisons between them, and the dtype checks. A one-model run still writes
 * version 1. Documented in the README ("Several models in one run").
 */
export const MULTI_MODEL_VERSION = 2;

const count = z.int().min(0);
const interval = z.object({ lo: z.number(), hi: z.number() });

export const modelCostSchema = z
  .object({
    loadSeconds: z.number().describe('Loading this model: config, tokenizer, both ONNX towers and one warm-up call each'),
    imagesComputed: count.describe('Images this model embedded in this run (the rest came from the embedding cache)'),
    imagesPerSecond: z
      .number()
      .nullable()
      .describe(
        "Images per second of this model's image stage (decode, preprocess, vision tower); null when every image came from the cache",
      ),
    parameters: count
      .nullable()
      .describe('Elements of the ONNX initializers of both towers (quantized weights count once); null if a file could not be read'),
    onnxBytes: count
      .nullable()
      .describe("Bytes of both towers' ONNX files on disk, external data included; null if a file could not be read"),
  })
  .describe('What the model costs: the numbers beside its accuracy');

export const modelContrastSchema = z
  .object({
    promptSet: z.string(),
    model: z.string().describe('Model key'),
    against: z.string().describe('The best model on this prompt file (highest acc1; the first on ties)'),
    delta: z.number().describe('acc1(model) − acc1(against), as a proportion'),
    interval: interval.describe('Paired bootstrap 95% interval of delta'),
    pValue: z.number().describe("McNemar's exact test"),
    lost: count,
    gained: count,
    significant: z.boolean(),
  })
  .describe('A model against the best model on the same prompt file and the same images');

export const dtypeCheckSchema = z
  .object({
    model: z.string().describe('The model id'),
    dtype: z.string().describe('The quantized or half-precision build'),
    reference: z.literal('fp32'),
    promptSet: z.string(),
    top1Agreement: z.number().describe('Share of images with the same top-1 class under both'),
    acc1Delta: z.number().describe('acc1(dtype) − acc1(fp32)'),
    interval: interval.describe('Paired bootstrap 95% interval of acc1Delta'),
    pValue: z.number(),
    significant: z.boolean(),
    imageCosine: z.object({ min: z.number(), mean: z.number() }).describe("Cosine between the two builds' embeddings of each image"),
    speedRatio: z
      .number()
      .nullable()
      .describe('imagesPerSecond(dtype) / imagesPerSecond(fp32); null unless both embedded images in this run'),
  })
  .describe('A reduced-precision build of a model against its fp32 build, per prompt file');

export const multiModelResultsSchema = z
  .object({
    schemaVersion: z.literal(MULTI_MODEL_VERSION),
    task: z.literal('classification'),
    run: z.object({
      id: z.string(),
      createdAt: z.string(),
      toolVersion: z.string(),
      durationMs: z.number(),
      imagesPreprocessed: count.describe(
        'Images decoded and preprocessed, every model together: once per image and preprocessing configuration, not once per model',
      ),
      timings: runTimingsSchema.describe('The whole run, every model together').optional(),
    }),
    models: z.array(
      z.object({
        key: z.string().describe('`<model id or folder name>@<dtype>`, unique in the run'),
        cost: modelCostSchema,
        results: resultsSchema.describe("This model's results, exactly as a one-model run writes them (schemaVersion 1)"),
      }),
    ),
    modelContrasts: z.array(modelContrastSchema),
    dtypeChecks: z.array(dtypeCheckSchema),
  })
  .describe('results.json of a classification run with several models');

export type MultiModelResults = DeepReadonly<z.output<typeof multiModelResultsSchema>>;
export type ModelRunResult = MultiModelResults['models'][number];
export type ModelCost = ModelRunResult['cost'];
export type ModelContrast = MultiModelResults['modelContrasts'][number];
export type DtypeCheck = MultiModelResults['dtypeChecks'][number];
