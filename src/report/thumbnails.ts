import path from 'node:path';
import { loadDataset, SPLITS } from '../datasets/index.js';
import type { ClassificationDataset, ImageSource } from '../datasets/types.js';
import type { DecodedImage } from '../model/types.js';
import type { Results } from '../results/schema.js';
import { encodePng } from './png.js';

/** Longest side of an embedded thumbnail; 80 px keeps 200 of them around 0.2–1 MB. */
export const THUMBNAIL_SIZE = 80;
const PARALLEL = 8;

export interface ThumbnailOptions {
  /** The dataset already loaded by the run, so writing the report at the end of a run reads no folder again. */
  readonly dataset?: ClassificationDataset;
  /** Where to look for the images instead of results.json's `run.dataset.path` (a moved dataset). */
  readonly datasetPath?: string;
  readonly cwd?: string;
  readonly size?: number;
}

export interface Thumbnails {
  /** Item id → data: URI. */
  readonly byId: ReadonlyMap<string, string>;
  /** Why some or all thumbnails are missing, for the page to say; null when all are there. */
  readonly note: string | null;
}

export async function makeThumbnails(results: Results, ids: readonly string[], options: ThumbnailOptions = {}): Promise<Thumbnails> {
  if (ids.length === 0) return { byId: new Map(), note: null };
  const where = options.datasetPath ?? results.run.dataset.path;
  const found = options.dataset !== undefined ? sourcesIn(options.dataset, ids) : await reloadSources(where, ids, options.cwd ?? process.cwd());
  if (typeof found === 'string') return { byId: new Map(), note: `The dataset could not be read from ${where} (${found}), so the gallery has no thumbnails.` };
  const byId = await thumbnailsOf(found, options.size ?? THUMBNAIL_SIZE);
  const missing = ids.length - byId.size;
  return { byId, note: missing === 0 ? null : `${missing} of ${ids.length} gallery images were not found or could not be read in ${where}; they are shown without a thumbnail.` };
}

/** id → data: URI for each source that can be read (unreadable ones are left out), a few at a time. */
export async function thumbnailsOf(sources: ReadonlyMap<string, ImageSource>, size = THUMBNAIL_SIZE): Promise<Map<string, string>> {
  const byId = new Map<string, string>();
  const wanted = [...sources.keys()];
  for (let i = 0; i < wanted.length; i += PARALLEL) {
    const batch = wanted.slice(i, i + PARALLEL);
    const uris = await Promise.all(batch.map((id) => thumbnail(sources.get(id)!, size).catch(() => null)));
    batch.forEach((id, k) => uris[k] && byId.set(id, uris[k]));
  }
  return byId;
}

function sourcesIn(dataset: ClassificationDataset, ids: readonly string[]): Map<string, ImageSource> {
  const wanted = new Set(ids);
  return new Map(dataset.items.filter((item) => wanted.has(item.id)).map((item) => [item.id, item.source]));
}

/**
 * Loads the dataset again (a report rebuilt later) and keeps the gallery's items; for IDX the
 * ids name the split's file, so the other split is tried when the default one does not match.
 * Returns the reason as a string when the dataset cannot be read at all.
 */
async function reloadSources(where: string, ids: readonly string[], cwd: string): Promise<Map<string, ImageSource> | string> {
  let best: Map<string, ImageSource> | string = 'no images matched';
  for (const split of SPLITS) {
    try {
      const dataset = await loadDataset(where, { cwd, datasetsDir: path.join(cwd, 'datasets'), split });
      const sources = sourcesIn(dataset, ids);
      if (typeof best === 'string' || sources.size > best.size) best = sources;
      if (sources.size === ids.length || dataset.format !== 'idx') break;
    } catch (error) {
      // An IDX folder may hold only the other split; anything else fails the same way twice.
      if (typeof best === 'string') best = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    }
  }
  return best;
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
    source.kind === 'file'
      ? sharp(source.path, { failOn: 'none', autoOrient: false })
      : sharp(Buffer.from(source.image.data.buffer, source.image.data.byteOffset, source.image.data.byteLength), {
          raw: { width: source.image.width, height: source.image.height, channels: source.image.channels },
        });
  const meta = source.kind === 'file' ? await input.metadata() : { channels: source.image.channels, hasAlpha: source.image.channels % 2 === 0 };
  const lossless = meta.hasAlpha === true || (meta.channels ?? 3) <= 2;
  const resized = input.resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true });
  const bytes = await (lossless ? resized.png({ compressionLevel: 9 }) : resized.jpeg({ quality: 72, mozjpeg: true })).toBuffer();
  return `data:image/${lossless ? 'png' : 'jpeg'};base64,${bytes.toString('base64')}`;
}

/** In-memory pixels: grey, or with alpha (2 or 4 channels), stay exact as PNG; RGB becomes JPEG. */
function isLossless(channels: DecodedImage['channels']): boolean {
  return channels !== 3;
}
