import { z } from 'zod';
import { configSchemaWith } from '../config/schema.js';
import { expected } from '../util/jsonIssues.js';
import { nonBlank, nonNegativeInt, strictFileObject } from '../util/schemaParts.js';
import { MIN_RESAMPLES } from '../stats/index.js';

const RESAMPLES = `a whole number of at least ${MIN_RESAMPLES}`;
const POINTS = 'a non-negative number of points (e.g. 0.5) or "off"';

/** Points as a number, or as the text a flag would give ("0.5"); "off" or null: not checked. */
const dropPoints = z.union(
  [
    z.number().min(0, { error: expected(POINTS) }),
    z.string().regex(/^\s*(\d+(\.\d*)?|\.\d+)\s*$/, { error: expected(POINTS) }),
    z.literal('off'),
    z.null(),
  ],
  { error: expected(POINTS) },
);

/** The `check` section of bench.config.json: defaults of `bench check` and `bench compare`. */
export const checkSectionSchema = strictFileObject(
  {
    baseline: nonBlank().describe("The baseline file; a relative path is taken from this file's folder").optional(),
    // Metric names (and their aliases) are checked by thresholds.metricName, which also reads --max-drop.
    maxDrop: z
      .record(z.string(), dropPoints, { error: expected('an object of points per metric, e.g. {"acc1": 0.5, "acc5": 1}') })
      .describe(
        'Largest allowed fall per metric, in percentage points: acc1, acc5, mean_per_class_recall (or mpcr); "off" or null turns a check off',
      )
      .optional(),
    requireSignificance: z.boolean().describe('Fail only on falls that are also significant at 5%').optional(),
    allowModelChange: z.boolean().describe('Compare runs of different models (weights or dtype)').optional(),
    resamples: z
      .int({ error: expected(RESAMPLES) })
      .min(MIN_RESAMPLES, { error: expected(RESAMPLES) })
      .describe('Paired bootstrap resamples')
      .optional(),
    seed: nonNegativeInt().describe('Seed of the bootstrap resampling').optional(),
  },
  'setting',
).describe('Settings of `bench check` and `bench compare`, overridden by their flags (README, "Regression tracking in CI")');

export type CheckSection = z.output<typeof checkSectionSchema>;

/** All of bench.config.json, `check` included: what schemas/bench.config.schema.json publishes. */
export const benchConfigSchema = configSchemaWith(checkSectionSchema);
