import path from 'node:path';
import type { Dataset, ImageSource } from '../datasets/types.js';
import { readPackedImage } from '../datasets/packed.js';
import type { DecodedImage } from '../model/types.js';
import { encodePng } from './png.js';

/** Longest side of an embedded thumbnail; 80 px keeps 200 of them around 0.2–1 MB. */
const THUMBNAIL_SIZE = 80;
const PARALLEL = 8;

/**
 * Where a report's thumbnails come from, as its caller found them: the report never loads a
 * dataset itself. `bench run` passes the dataset it ran on; `bench report` the one it reloaded, or
 * for a retrieval run the folder its image ids resolve in (results.json holds those ids, so the
 * caption file is not needed); or `none`, the reason there are no thumbnails, as the start of the
 * page's note.
 */
export type ReportImages = { readonly dataset: Dataset } | { readonly imagesDir: string } | { readonly none: string };

export interface Thumbnails {
  /** Item id → data: URI. */
  readonly byId: ReadonlyMap<string, string>;
  /** Why some or all thumbnails are missing, for the page to say; null when all are there. */
  readonly note: string | null;
}

/** How each page names the images it shows in its notes. */
const SHOWN = {
  gallery: { images: 'gallery images', lacking: 'the gallery has' },
  examples: { images: 'example images', lacking: 'the examples have' },
} as const;

export async function makeThumbnails(images: ReportImages, ids: readonly string[], shown: keyof typeof SHOWN): Promise<Thumbnails> {
  if (ids.length === 0) return { byId: new Map(), note: null };
  if ('none' in images) return { byId: new Map(), note: `${images.none}, so ${SHOWN[shown].lacking} no thumbnails.` };
  const byId = await thumbnailsOf(sourcesOf(images, ids));
  const missing = ids.length - byId.size;
  if (missing === 0) return { byId, note: null };
  return {
    byId,
    note: `${missing} of ${ids.length} ${SHOWN[shown].images} were not found or could not be read in ${whereOf(images)}; they are shown without a thumbnail.`,
  };
}

/** id → data: URI for each source that can be read (unreadable ones are left out), a few at a time. */
async function thumbnailsOf(sources: ReadonlyMap<string, ImageSource>): Promise<Map<string, string>> {
  const byId = new Map<string, string>();
  const wanted = [...sources.keys()];
  for (let i = 0; i < wanted.length; i += PARALLEL) {
    const batch = wanted.slice(i, i + PARALLEL);
    const uris = await Promise.all(batch.map((id) => thumbnail(sources.get(id)!, THUMBNAIL_SIZE).catch(() => null)));
    batch.forEach((id, k) => uris[k] && byId.set(id, uris[k]));
  }
  return byId;
}

function sourcesOf(images: Exclude<ReportImages, { none: string }>, ids: readonly string[]): Map<string, ImageSource> {
  if ('imagesDir' in images) return new Map(ids.map((id) => [id, { kind: 'file', path: path.resolve(images.imagesDir, id) }]));
  const wanted = new Set(ids);
  const all = images.dataset.task === 'retrieval' ? images.dataset.images : images.dataset.items;
  return new Map(all.filter((image) => wanted.has(image.id)).map((image) => [image.id, image.source]));
}

/** The folder a reader would look in for a missing image. */
function whereOf(images: Exclude<ReportImages, { none: string }>): string {
  if ('imagesDir' in images) return images.imagesDir;
  return images.dataset.task === 'retrieval' ? images.dataset.imagesDir : images.dataset.root;
}

/** PNG for grey or transparent images (small and exact), JPEG for photos. */
async function thumbnail(source: ImageSource, size: number): Promise<string> {
  if (source.kind === 'pixels' && isLossless(source.image.channels) && source.image.width <= size && source.image.height <= size) {
    // Nothing to resize (an IDX digit): only a PNG to wrap, so sharp is not even loaded.
    return `data:image/png;base64,${encodePng(source.image).toString('base64')}`;
  }
  // Imported on first use: a report without a gallery never loads sharp.
  const { default: sharp } = await import('sharp');
  const input =
    source.kind === 'pixels'
      ? sharp(Buffer.from(source.image.data.buffer, source.image.data.byteOffset, source.image.data.byteLength), {
          raw: { width: source.image.width, height: source.image.height, channels: source.image.channels },
        })
      : sharp(source.kind === 'file' ? source.path : Buffer.from(await readPackedImage(source)), { failOn: 'none', autoOrient: false });
  const meta =
    source.kind === 'pixels' ? { channels: source.image.channels, hasAlpha: source.image.channels % 2 === 0 } : await input.metadata();
  const lossless = meta.hasAlpha === true || (meta.channels ?? 3) <= 2;
  const resized = input.resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true });
  const bytes = await (lossless ? resized.png({ compressionLevel: 9 }) : resized.jpeg({ quality: 72, mozjpeg: true })).toBuffer();
  return `data:image/${lossless ? 'png' : 'jpeg'};base64,${bytes.toString('base64')}`;
}

/** In-memory pixels: grey, or with alpha (2 or 4 channels), stay exact as PNG; RGB becomes JPEG. */
function isLossless(channels: DecodedImage['channels']): boolean {
  return channels !== 3;
}
