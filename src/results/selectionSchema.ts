import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';
import { itemErrorSchema, runInfoSchema } from './schema.js';

/** selection.json of `bench select`, version 1 (README, "Choosing an ensemble: bench select"). */
export const SELECTION_VERSION = 1;

const count = z.int().min(0);
const line = z.int().min(1).describe('1-based line of the template in the pool file');

const metricsSchema = z.object({ acc1: z.number(), acc5: z.number().nullable(), mean_per_class_recall: z.number() });

export const contenderSchema = z.object({
  name: z
    .enum(['selected', 'pool', 'bestSingle'])
    .describe('The greedy ensemble, the whole pool, or the best single template on the selection half'),
  lines: z.array(line).describe('Its templates, by line in the pool file'),
  selection: metricsSchema.describe('On the selection half: what the choice was made on, not a result'),
  heldOut: metricsSchema.describe('On the held-out half: the result'),
});

export const selectionContrastSchema = z
  .object({
    against: z.enum(['pool', 'bestSingle']),
    delta: z.number().describe('Held-out acc1 of the selected ensemble minus the other, as a proportion'),
    interval: z.object({ lo: z.number(), hi: z.number() }).describe('Paired bootstrap 95% interval of delta'),
    pValue: z.number().describe("McNemar's exact test on the held-out images"),
    lost: count.describe('Held-out images the other gets right and the selected ensemble wrong'),
    gained: count.describe('The reverse'),
    significant: z.boolean().describe('pValue < 0.05'),
  })
  .describe('The selected ensemble against another contender on the held-out half');

export const selectionSchema = z
  .object({
    selectionVersion: z.literal(SELECTION_VERSION),
    run: runInfoSchema.omit({ dataset: true }).extend({
      dataset: z.object({
        name: z.string(),
        format: z.string(),
        path: z.string(),
        itemCount: count.describe('Images evaluated (unreadable ones are left out before splitting)'),
        classNames: z.array(z.string()),
        limit: z.number().nullable(),
        perClass: z.number().nullable(),
      }),
      pool: z.object({
        file: z.string(),
        name: z.string(),
        templates: z.array(z.object({ line, template: z.string() })).describe('Every template of the pool, in file order'),
        ensemble: z.enum(['embedding', 'score']),
      }),
      heldOutShare: z.number().describe('Share of each class held out'),
      maxTemplates: z.int().min(1),
      split: z.object({ selection: count, heldOut: count }).describe('Images in each half; `seed` picks the split'),
    }),
    path: z
      .array(
        z.object({
          line,
          template: z.string(),
          selectionAcc1: z.number(),
          heldOutAcc1: z.number(),
          selected: z.boolean().describe('Part of the selected ensemble; the path goes on past it to the whole pool'),
        }),
      )
      .describe('Every template in greedy order with the acc1 of the ensemble up to it, on both halves'),
    stoppedBecause: z.enum(['max-templates', 'no-improvement', 'pool-exhausted']),
    contenders: z.array(contenderSchema),
    contrasts: z.array(selectionContrastSchema),
    selectedFile: z.string().describe('The .hbs file written with the selected templates'),
    errors: z.array(itemErrorSchema),
  })
  .describe('selection.json of bench select');

export type Selection = DeepReadonly<z.output<typeof selectionSchema>>;
export type Contender = Selection['contenders'][number];
export type SelectionContrast = Selection['contrasts'][number];
