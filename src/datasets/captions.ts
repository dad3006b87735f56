import path from 'node:path';
import { pathKind, resolveUnder } from './fsutil.js';
import { InputError, type Caption, type RetrievalDataset, type RetrievalFormat, type RetrievalImage } from './types.js';

export interface CaptionedImage {
  /** How the caption file names the image (a relative path), also its id in results. */
  readonly file: string;
  readonly captions: readonly string[];
  /** Where in the caption file the image is defined, for error messages. */
  readonly where: string;
}

/**
 * The images folder of a caption file: `--images`, else the file's own folder when the first
 * image is there, else an `images/` folder beside it.
 */
export async function resolveImagesDir(captionFile: string, firstImage: string | undefined, given?: string): Promise<string> {
  if (given !== undefined) {
    const dir = path.resolve(given);
    if ((await pathKind(dir)) !== 'dir') throw new InputError(`images folder ${dir} (--images) does not exist`);
    return dir;
  }
  const own = path.dirname(captionFile);
  const beside = path.join(own, 'images');
  if (firstImage !== undefined && (await pathKind(resolveUnder(own, firstImage))) === 'file') return own;
  if ((await pathKind(beside)) === 'dir') return beside;
  return own;
}

/** Builds the dataset; an image without captions is an error, as a retrieval query needs one. */
export function captionedDataset(
  format: RetrievalFormat,
  file: string,
  imagesDir: string,
  entries: readonly CaptionedImage[],
  name?: string,
): RetrievalDataset {
  if (entries.length === 0) throw new InputError(`${file} has no images; a captioned set needs images with captions`);
  const images: RetrievalImage[] = [];
  const captions: Caption[] = [];
  for (const entry of entries) {
    if (entry.captions.length === 0) {
      throw new InputError(`${entry.where}: image "${entry.file}" has no captions; give it at least one or remove it`);
    }
    const index = images.push({ id: entry.file, source: { kind: 'file', path: resolveUnder(imagesDir, entry.file) } }) - 1;
    for (const text of entry.captions) captions.push({ text, image: index });
  }
  return { task: 'retrieval', name: name ?? path.parse(file).name, format, root: file, imagesDir, images, captions };
}

/**
 * Python's str.isspace() (White_Space plus U+001C..U+001F), what the original tokenizer strips:
 * a caption made only of these encodes as just the start and end tokens. JavaScript's trim()
 * would also count U+FEFF, which the original keeps as a token.
 */
const BLANK = /^[\p{White_Space}\x1c-\x1f]*$/u;

export function isBlankCaption(text: string): boolean {
  return BLANK.test(text);
}

const NAMED_IMAGES = 3;

/**
 * One warning for the empty or whitespace-only captions of a set, naming the first few images that
 * have them; undefined when there are none. They are kept, so the numbers match CLIP_benchmark,
 * but a caption file that has them is often broken, and an empty caption matches no image well.
 */
export function blankCaptionsWarning(dataset: RetrievalDataset): string | undefined {
  const blank = dataset.captions.filter((c) => isBlankCaption(c.text));
  if (blank.length === 0) return undefined;
  const images = [...new Set(blank.map((c) => dataset.images[c.image]?.id ?? `#${c.image}`))];
  const named = images.slice(0, NAMED_IMAGES).join(', ') + (images.length > NAMED_IMAGES ? ', …' : '');
  const count = blank.length === 1 ? '1 caption is' : `${blank.length} captions are`;
  return `${count} empty or whitespace only (${images.length === 1 ? 'image' : 'images'} ${named}): embedded as they are, as CLIP_benchmark does`;
}
