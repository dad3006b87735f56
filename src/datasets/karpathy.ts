import path from 'node:path';
import { checkJson, isRecord } from '../util/json.js';
import { captionedDataset, resolveImagesDir, type CaptionedImage } from './captions.js';
import { karpathySplitSchema } from './captionSchemas.js';
import type { CaptionFileOptions } from './coco.js';
import { InputError, type RetrievalDataset } from './types.js';

export interface KarpathyOptions extends CaptionFileOptions {
  /** Which `split` to keep (default: test). */
  readonly split?: string;
}

/** The Karpathy split files of COCO / Flickr30k: `images[]` with `filename`, `split`, `sentences[].raw`. */
export function isKarpathySplit(json: unknown): boolean {
  return isRecord(json) && Array.isArray(json.images) && !('annotations' in json) && isRecord(json.images[0]) && 'sentences' in json.images[0];
}

export async function loadKarpathySplit(file: string, json: unknown, options: KarpathyOptions = {}): Promise<RetrievalDataset> {
  const split = options.split ?? 'test';
  const all = checkJson(json, karpathySplitSchema, file).images;
  const seen = new Map<string, string>();
  const entries: CaptionedImage[] = [];
  all.forEach((image, i) => {
    if (image.split !== split) return;
    const where = `${file}: images[${i}]`;
    const relative = image.filepath ? `${image.filepath}/${image.filename}` : image.filename;
    if (seen.has(relative)) throw new InputError(`${where}: duplicate image "${relative}" (also ${seen.get(relative)})`);
    seen.set(relative, where);
    entries.push({ file: relative, captions: image.sentences.map((s) => s.raw), where });
  });
  if (entries.length === 0) {
    const splits = [...new Set(all.map((image) => image.split))].join(', ');
    throw new InputError(`${file}: no images in split "${split}" (the file has: ${splits}); choose one with --split`);
  }
  const imagesDir = await resolveImagesDir(file, entries[0]?.file, options.images);
  return captionedDataset('karpathy', file, imagesDir, entries, options.name ?? `${path.parse(file).name}-${split}`);
}
