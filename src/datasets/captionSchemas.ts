import { z } from 'zod';
import { expected } from '../util/jsonIssues.js';
import { nonBlank } from '../util/schemaParts.js';

/**
 * The caption files a retrieval set is read from, as far as ClipBench reads them (other keys are
 * ignored). A caption is required and a string, but kept exactly as given, even empty or blank:
 * CLIP_benchmark embeds such captions as they are, and the original tokenizer does its own
 * whitespace cleaning (Python's, which differs from JavaScript's trim), so trimming here could only
 * make the ids differ from the reference. Checks across entries (unique ids, captions of known
 * images) are the loaders'.
 */

const imageId = z.union([z.number(), nonBlank()], { error: expected('a number or a non-empty string') });

/** COCO captions (`annotations/captions_*.json`). */
export const cocoCaptionsSchema = z
  .object({
    images: z.array(z.object({ id: imageId, file_name: nonBlank('a file name') })),
    annotations: z.array(
      z.object({
        id: z.union([z.number(), z.string()], { error: expected('a number or a string') }).optional(),
        image_id: imageId,
        caption: z.string(),
      }),
    ),
  })
  .describe('COCO captions: images[] {id, file_name} and annotations[] {image_id, caption}');

export type CocoCaptions = z.output<typeof cocoCaptionsSchema>;

/** The Karpathy split files of COCO and Flickr30k (`dataset_coco.json`). */
export const karpathySplitSchema = z
  .object({
    images: z.array(
      z.object({
        filename: nonBlank('a file name'),
        filepath: z.string().optional(),
        split: nonBlank('a split name such as "test"'),
        sentences: z.array(z.object({ raw: z.string() }), { error: expected('a list of {"raw": "..."}') }),
      }),
    ),
  })
  .describe('Karpathy split file: images[] {filename, filepath, split, sentences[] {raw}}');

export type KarpathySplit = z.output<typeof karpathySplitSchema>;

/** One line of a JSON Lines caption-pairs file: the image as `image` (or `path`) and its caption. */
export const captionPairSchema = z.object({
  image: nonBlank('a path to the image').optional(),
  path: nonBlank('a path to the image').optional(),
  caption: z.string(),
});
