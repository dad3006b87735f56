import { z } from 'zod';
import { itemErrorSchema, runInfoSchema } from '../results/schema.js';
import type { DeepReadonly } from '../util/deepReadonly.js';
import { expected } from '../util/jsonIssues.js';

export const BASELINE_KIND = 'clipbench-baseline';
export const BASELINE_VERSION = 1;

const metric = z.number().nullable();
const BITS = 'a string of 0 and 1, one per item';
const bits = (what: string) =>
  z
    .string({ error: expected(BITS) })
    .regex(/^[01]*$/, { error: expected(BITS) })
    .describe(what);

/**
 * The committed baseline: a run's identity, settings and metrics, and per-item correctness as one
 * "0"/"1" character per item (in `items` order) — enough for paired tests, small enough for git,
 * and with one item per line so a change of data set shows up as a readable diff.
 */
export const baselineSchema = z
  .object({
    kind: z.literal(BASELINE_KIND),
    baselineVersion: z.literal(BASELINE_VERSION),
    savedAt: z.string(),
    run: z.object({ id: z.string(), createdAt: z.string(), toolVersion: z.string(), commit: z.string().nullable() }),
    model: runInfoSchema.shape.model.pick({ id: true, dtype: true, onnxSha256: true }),
    preprocess: runInfoSchema.shape.preprocess,
    dataset: runInfoSchema.shape.dataset.omit({ path: true }).extend({ seed: z.number() }),
    promptSets: z.array(
      z.object({
        name: z.string(),
        file: z.string(),
        templates: z.array(z.string()),
        metrics: z.object({ acc1: metric, acc5: metric, mean_per_class_recall: metric }),
        top1: bits('Per item, in `items` order: 1 when the true class is the top-1 prediction'),
        top5: bits('Per item: 1 when the true class is among the top 5; null with fewer than 5 classes').nullable(),
      }),
    ),
    errors: z.array(itemErrorSchema),
    items: z.array(z.object({ id: z.string(), label: z.string() })),
  })
  .describe('ClipBench baseline, written by `bench baseline save`');

export type BaselineFile = DeepReadonly<z.output<typeof baselineSchema>>;

/** The baseline of a run with several models: one version-1 baseline per model, by model key. */
export const BASELINE_SET_VERSION = 2;

export const baselineSetSchema = z
  .object({
    kind: z.literal(BASELINE_KIND),
    baselineVersion: z.literal(BASELINE_SET_VERSION),
    savedAt: z.string(),
    models: z.array(z.object({ key: z.string().describe('`<model id or folder name>@<dtype>`, as in the run'), baseline: baselineSchema })),
  })
  .describe('ClipBench baseline of a run with several models, written by `bench baseline save`');

export type BaselineSetFile = DeepReadonly<z.output<typeof baselineSetSchema>>;
