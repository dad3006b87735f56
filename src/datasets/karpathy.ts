import path from 'node:path';
import { captionField, captionedDataset, resolveImagesDir, type CaptionedImage } from './captions.js';
import { field, type CaptionFileOptions } from './coco.js';
import { isRecord } from './json.js';
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
  const all = (json as { images: unknown[] }).images;
  const seen = new Map<string, string>();
  const entries: CaptionedImage[] = [];
  all.forEach((image, i) => {
    const where = `${file}: images[${i}]`;
    if (field(image, 'split', where, ['string']) !== split) return;
    const record = image as Record<string, unknown>;
    const name = field(image, 'filename', where, ['string']) as string;
    const relative = typeof record.filepath === 'string' && record.filepath !== '' ? `${record.filepath}/${name}` : name;
    if (seen.has(relative)) throw new InputError(`${where}: duplicate image "${relative}" (also ${seen.get(relative)})`);
    seen.set(relative, where);
    entries.push({ file: relative, captions: sentences(record.sentences, where), where });
  });
  if (entries.length === 0) {
    const splits = [...new Set(all.map((image) => (isRecord(image) ? image.split : undefined)))].join(', ');
    throw new InputError(`${file}: no images in split "${split}" (the file has: ${splits}); choose one with --split`);
  }
  const imagesDir = await resolveImagesDir(file, entries[0]?.file, options.images);
  return captionedDataset('karpathy', file, imagesDir, entries, options.name ?? `${path.parse(file).name}-${split}`);
}

function sentences(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new InputError(`${where}: "sentences" must be a list of {"raw": "..."}`);
  return value.map((s, j) => captionField(s, 'raw', `${where}.sentences[${j}]`));
}
