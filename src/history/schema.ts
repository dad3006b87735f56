import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';

export const HISTORY_FILE = 'history.jsonl';
export const HISTORY_VERSION = 1;

/** One line of reports/history.jsonl: what a run scored, compact enough to keep forever. */
export const historyRecordSchema = z
  .object({
    historyVersion: z.literal(HISTORY_VERSION),
    runId: z.string(),
    task: z.enum(['classification', 'retrieval']),
    createdAt: z.string(),
    toolVersion: z.string(),
    commit: z.string().nullable().describe('HEAD of the git checkout the run was started in (or $GITHUB_SHA); null outside git'),
    dirty: z.boolean().nullable().describe('Whether tracked files differed from `commit`; null when unknown'),
    model: z.object({
      id: z.string(),
      dtype: z.string(),
      weights: z.string().describe("16 hex digits of a hash over the ONNX files' sha256: equal means the same weights"),
    }),
    dataset: z.object({
      name: z.string(),
      itemCount: z.number().describe('Items (images, for retrieval) selected, including unreadable ones'),
      evaluated: z.number().describe('Items scored (itemCount less unreadable ones)'),
      limit: z.number().nullable(),
      perClass: z.number().nullable(),
      seed: z.number(),
    }),
    promptSets: z.array(
      z.object({
        name: z.string(),
        templates: z.number(),
        metrics: z
          .record(z.string(), z.number().nullable())
          .describe('As in results.json: acc1, acc5, mean_per_class_recall, or the retrieval recalls'),
      }),
    ),
  })
  .describe('One line of history.jsonl, appended by every `bench run`');

export type HistoryRecord = DeepReadonly<z.output<typeof historyRecordSchema>>;
