import { z } from 'zod';

/** A JSON Schema document, as `z.toJSONSchema` returns it. */
export type JsonSchemaDocument = z.core.JSONSchema.BaseSchema;

/**
 * The JSON Schema of what a reader accepts (the schema's input side: objects that ignore unknown
 * keys stay open, strict ones are closed), for other tools and for editors via `$schema`.
 */
export function toJsonSchema(schema: z.ZodType, title: string): JsonSchemaDocument {
  const document = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', override: dropSafeIntegerBounds });
  const { $schema, ...rest } = document;
  return { $schema, title, ...rest };
}

/** zod bounds whole numbers by ±(2^53 − 1), which says nothing to a reader of the schema. */
function dropSafeIntegerBounds({ jsonSchema }: { jsonSchema: JsonSchemaDocument }): void {
  if (jsonSchema.type !== 'integer') return;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
}
