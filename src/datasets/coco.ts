import path from 'node:path';
import { captionField, captionedDataset, resolveImagesDir, type CaptionedImage } from './captions.js';
import { isRecord } from './json.js';
import { InputError, type RetrievalDataset } from './types.js';

export interface CaptionFileOptions {
  /** The images folder (`--images`); default: the file's folder, then `images/` beside it. */
  readonly images?: string;
  readonly name?: string;
}

/** COCO captions JSON (`annotations/captions_*.json`): `images[]` {id, file_name} and `annotations[]` {image_id, caption}. */
export function isCocoCaptions(json: unknown): boolean {
  return isRecord(json) && Array.isArray(json.images) && Array.isArray(json.annotations);
}

export async function loadCocoCaptions(file: string, json: unknown, options: CaptionFileOptions = {}): Promise<RetrievalDataset> {
  const { images, annotations } = json as { images: unknown[]; annotations: unknown[] };
  const byId = new Map<unknown, { file: string; captions: string[]; where: string }>();
  images.forEach((image, i) => {
    const where = `${file}: images[${i}]`;
    const id = field(image, 'id', where, ['number', 'string']);
    const fileName = field(image, 'file_name', where, ['string']) as string;
    if (byId.has(id)) throw new InputError(`${where}: duplicate image id ${JSON.stringify(id)}; ids must be unique`);
    byId.set(id, { file: fileName, captions: [], where });
  });
  const annotationIds = new Set<unknown>();
  annotations.forEach((annotation, i) => {
    const where = `${file}: annotations[${i}]`;
    const imageId = field(annotation, 'image_id', where, ['number', 'string']);
    const caption = captionField(annotation, 'caption', where);
    const id = isRecord(annotation) ? annotation.id : undefined;
    if (id !== undefined && annotationIds.has(id)) throw new InputError(`${where}: duplicate annotation id ${JSON.stringify(id)}`);
    annotationIds.add(id);
    const image = byId.get(imageId);
    if (!image) throw new InputError(`${where}: image_id ${JSON.stringify(imageId)} is not in "images"; add the image or drop the caption`);
    image.captions.push(caption);
  });
  const entries: CaptionedImage[] = [...byId.values()];
  const imagesDir = await resolveImagesDir(file, entries[0]?.file, options.images);
  return captionedDataset('coco', file, imagesDir, entries, options.name ?? path.parse(file).name);
}

/** A required field of the given JSON type(s); otherwise an error naming the entry and field. */
export function field(entry: unknown, name: string, where: string, types: readonly string[]): unknown {
  if (!isRecord(entry)) throw new InputError(`${where}: expected an object`);
  const value = entry[name];
  if (value === undefined) throw new InputError(`${where}: missing "${name}"`);
  if (!types.includes(typeof value) || (typeof value === 'string' && value.trim() === '')) {
    throw new InputError(`${where}: "${name}" must be a non-empty ${types.join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}
