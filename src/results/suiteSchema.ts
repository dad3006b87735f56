import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';

/** What bench suite writes: the leaderboard's numbers and where each dataset's run is. */
export const SUITE_RESULT_KIND = 'clipbench-suite';
export const SUITE_RESULT_VERSION = 1;

const cellSchema = z.object({
  model: z.string().describe('Model key, `<id or folder name>@<dtype>`'),
  promptSet: z.string().describe("The dataset's leaderboard prompt set (its first)"),
  metrics: z.record(z.string(), z.number().nullable()).describe('acc1, acc5, mean_per_class_recall; or image/text_retrieval_recall@k'),
  score: z
    .number()
    .describe('The main score: acc1 for classification, the mean of image and text recall@5 (else the largest k) for retrieval'),
  results: z.string().describe('The results.json of the run that holds this model, relative to this file'),
  report: z.string().describe("That run's index.html, relative to this file"),
});

export const suiteResultSchema = z
  .object({
    kind: z.literal(SUITE_RESULT_KIND),
    suiteVersion: z.literal(SUITE_RESULT_VERSION),
    name: z.string(),
    file: z.string().describe('The suite file'),
    createdAt: z.string(),
    toolVersion: z.string(),
    durationMs: z.number(),
    models: z.array(z.string()),
    datasets: z.array(
      z.object({
        name: z.string(),
        task: z.enum(['classification', 'retrieval']),
        cells: z
          .array(cellSchema)
          .describe('One per model: a classification dataset is one run of every model, a captioned set one run per model'),
      }),
    ),
    means: z
      .array(z.object({ model: z.string(), classification: z.number().nullable(), retrieval: z.number().nullable() }))
      .describe('Per model, the mean score over the classification datasets and over the retrieval datasets'),
  })
  .describe('ClipBench suite result (suite.json), written by bench suite');

export type SuiteResult = DeepReadonly<z.output<typeof suiteResultSchema>>;
export type SuiteCell = SuiteResult['datasets'][number]['cells'][number];
