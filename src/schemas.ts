import type { z } from 'zod';
import { descriptorSchema } from './datasets/descriptorSchema.js';
import { resultsFileSchema } from './results/retrievalSchema.js';
import { selectionSchema } from './results/selectionSchema.js';
import { multiModelResultsSchema } from './results/multiModelSchema.js';
import { baselineSchema, baselineSetSchema } from './compare/baselineSchema.js';
import { suiteResultSchema } from './results/suiteSchema.js';
import { suiteFileSchema } from './suite/schema.js';
import { toJsonSchema, type JsonSchemaDocument } from './util/jsonSchema.js';
import { benchConfigSchema } from './compare/settingsSchema.js';

/**
 * The file formats published as JSON Schema under schemas/ (README, "Schemas"), gathered at the top
 * of src/ like the package entry, since they come from several stages; tools/schemas/write-schemas.mjs
 * writes the files and test/schemas.test.ts checks they match.
 */
export const PUBLISHED_SCHEMAS: readonly { readonly file: string; readonly title: string; readonly schema: z.ZodType }[] = [
  { file: 'bench.config.schema.json', title: 'ClipBench bench.config.json', schema: benchConfigSchema },
  { file: 'results.schema.json', title: 'ClipBench results.json (schemaVersion 1)', schema: resultsFileSchema },
  {
    file: 'results-models.schema.json',
    title: 'ClipBench results.json of several models (schemaVersion 2)',
    schema: multiModelResultsSchema,
  },
  { file: 'baseline.schema.json', title: 'ClipBench baseline (baselineVersion 1)', schema: baselineSchema },
  { file: 'baseline-models.schema.json', title: 'ClipBench baseline of several models (baselineVersion 2)', schema: baselineSetSchema },
  { file: 'dataset.schema.json', title: 'ClipBench dataset descriptor', schema: descriptorSchema },
  { file: 'suite.schema.json', title: 'ClipBench suite file (bench suite)', schema: suiteFileSchema },
  { file: 'suite-result.schema.json', title: 'ClipBench suite.json (suiteVersion 1), written by bench suite', schema: suiteResultSchema },
  { file: 'selection.schema.json', title: 'ClipBench selection.json of bench select (selectionVersion 1)', schema: selectionSchema },
];

/** Each published file's name and contents. */
export function publishedJsonSchemas(): { readonly file: string; readonly document: JsonSchemaDocument }[] {
  return PUBLISHED_SCHEMAS.map(({ file, title, schema }) => ({ file, document: toJsonSchema(schema, title) }));
}
