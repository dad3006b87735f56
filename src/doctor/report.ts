import { z } from 'zod';
import type { DeepReadonly } from '../util/deepReadonly.js';

const ids = z.array(z.number().int());
const cosine = z.object({ count: z.number().int().nonnegative(), min: z.number().max(1 + 1e-6), mean: z.number().max(1 + 1e-6) });

/** The JSON `bench doctor --format json` prints: what differs between the reference and the stock pipeline. */
export const DOCTOR_REPORT_SCHEMA = z.object({
  doctor: z.literal(1),
  model: z.object({ id: z.string(), location: z.string(), modelType: z.string() }),
  dataset: z.object({ name: z.string(), root: z.string(), images: z.number().int().nonnegative() }),
  prompts: z.object({
    file: z.string(),
    /** Distinct prompts rendered for the dataset's classes. */
    rendered: z.number().int().nonnegative(),
    /** Added long prompts (over the context length) that show truncation. */
    long: z.array(z.string()),
  }),
  tokens: z.object({
    prompts: z.number().int().nonnegative(),
    differing: z.number().int().nonnegative(),
    examples: z.array(z.object({ text: z.string(), reference: ids, stock: ids })),
    endLost: z.object({ count: z.number().int().nonnegative(), examples: z.array(z.string()) }),
  }),
  pixels: z.object({ images: z.number().int().nonnegative(), meanOfMeans: z.number().nonnegative(), maxOfMax: z.number().nonnegative() }),
  embeddings: z.object({ image: cosine, text: cosine }),
  zeroShot: z.object({
    images: z.number().int().nonnegative(),
    flips: z.number().int().nonnegative(),
    referenceCorrect: z.number().int().nonnegative(),
    stockCorrect: z.number().int().nonnegative(),
    referenceAcc1: z.number().min(0).max(1),
    stockAcc1: z.number().min(0).max(1),
    acc1Change: z.number().min(-1).max(1),
    examples: z.array(z.object({ image: z.string(), label: z.string(), reference: z.string(), stock: z.string() })),
  }),
});

export type DoctorReport = DeepReadonly<z.infer<typeof DOCTOR_REPORT_SCHEMA>>;
