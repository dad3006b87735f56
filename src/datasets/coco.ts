import path from 'node:path';
import { checkJson, isRecord } from '../util/json.js';
import { captionedDataset, resolveImagesDir, type CaptionedImage } from './captions.js';
import { cocoCaptionsSchema, type CocoCaptions } from './captionSchemas.js';
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

type ImageEntry = CaptionedImage & { readonly captions: string[] };

export async function loadCocoCaptions(file: string, json: unknown, options: CaptionFileOptions = {}): Promise<RetrievalDataset> {
  const { images, annotations } = checkJson(json, cocoCaptionsSchema, file);
  const byId = imagesById(images, file);
  addCaptions(annotations, byId, file);
  const entries: CaptionedImage[] = [...byId.values()];
  const imagesDir = await resolveImagesDir(file, entries[0]?.file, options.images);
  return captionedDataset('coco', file, imagesDir, entries, options.name ?? path.parse(file).name);
}

function imagesById(images: CocoCaptions['images'], file: string): Map<number | string, ImageEntry> {
  const byId = new Map<number | string, ImageEntry>();
  images.forEach((image, i) => {
    const where = `${file}: images[${i}]`;
    if (byId.has(image.id)) throw new InputError(`${where}: duplicate image id ${JSON.stringify(image.id)}; ids must be unique`);
    byId.set(image.id, { file: image.file_name, captions: [], where });
  });
  return byId;
}

function addCaptions(annotations: CocoCaptions['annotations'], byId: ReadonlyMap<number | string, ImageEntry>, file: string): void {
  const annotationIds = new Set<number | string | undefined>();
  annotations.forEach((annotation, i) => {
    const where = (): string => `${file}: annotations[${i}]`;
    const { id } = annotation;
    if (id !== undefined && annotationIds.has(id)) throw new InputError(`${where()}: duplicate annotation id ${JSON.stringify(id)}`);
    annotationIds.add(id);
    const image = byId.get(annotation.image_id);
    if (!image) throw new InputError(`${where()}: image_id ${JSON.stringify(annotation.image_id)} is not in "images"; add the image or drop the caption`);
    image.captions.push(annotation.caption);
  });
}
