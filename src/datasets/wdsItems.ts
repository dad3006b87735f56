import type { TarFile, TarMember } from './tarIndex.js';
import { InputError, type ClassificationItem } from './types.js';
import type { WdsSample } from './wdsSamples.js';

/**
 * Image extensions in the order CLIP_benchmark's WebDataset loader tries them (to_tuple with
 * webp, png, jpg, jpeg): a sample holding two images gives the one it would decode.
 */
export const IMAGE_EXTENSIONS = ['webp', 'png', 'jpg', 'jpeg'] as const;
const LABEL_EXTENSION = 'cls';
const CAPTION_EXTENSIONS = ['txt', 'json'];
const LABEL_TEXT = new TextDecoder();
/** A class index is a few digits; a longer .cls is something else. */
const MAX_LABEL_BYTES = 64;

/** What turning one shard's samples into items needs. */
export interface ShardItems {
  readonly tar: TarFile;
  /** The item id prefix: the shard's file name (or its path from the shards' common folder). */
  readonly idPrefix: string;
  readonly classNames: readonly string[];
  /** Where the class names came from, for the out-of-range message. */
  readonly classNamesSource: string;
}

/**
 * A sample as an item: image from the first of IMAGE_EXTENSIONS found, label from `.cls` (an ASCII
 * integer, as WebDataset decodes it with Python's int). A sample the shard ends in is still an item
 * when its label was read and its image began: reading the image then fails at embed time and the
 * run reports it among the unreadable images (`tar` and WebDataset's writer put `.cls` before the
 * image, so that is where a cut usually falls). Anything else is an InputError naming shard and key.
 * `first` marks the dataset's first sample, where captions without labels mean a retrieval set.
 */
export function sampleItem(sample: WdsSample, shard: ShardItems, first: boolean): ClassificationItem {
  const where = `${shard.tar.path}: sample "${sample.key ?? '(name cut off)'}"`;
  const image = IMAGE_EXTENSIONS.map((e) => sample.members.get(e)).find((m) => m !== undefined);
  const label = sample.members.get(LABEL_EXTENSION);
  if (sample.cut && (label === undefined || label.truncated || image === undefined)) {
    const lost = label === undefined || label.truncated ? 'its label (.cls)' : 'its image';
    throw new InputError(
      `${where}: the file ends at byte ${shard.tar.size}, inside this sample, before ${lost} could be read: ` +
        'the shard is truncated; re-download or re-write it',
    );
  }
  if (image === undefined) throw new InputError(`${where} has no image (.${IMAGE_EXTENSIONS.join(', .')}); it has ${listed(sample)}`);
  if (label === undefined) {
    const caption = captionWithoutLabel(sample);
    if (caption !== undefined && first) throw retrievalNotSupported(shard.tar.path, sample, caption);
    throw new InputError(`${where} has no label (.cls); it has ${listed(sample)}`);
  }
  return {
    id: `${shard.idPrefix}/${sample.key!}`,
    source: { kind: 'tar', container: shard.tar.path, member: image.name, offset: image.offset, length: image.size },
    label: readLabel(shard, label, where),
  };
}

/** The caption extension of a sample that has one and no label: what a retrieval set's samples look like. */
export function captionWithoutLabel(sample: WdsSample): string | undefined {
  return sample.members.has(LABEL_EXTENSION) ? undefined : CAPTION_EXTENSIONS.find((e) => sample.members.has(e));
}

export function retrievalNotSupported(shard: string, sample: WdsSample, caption: string): InputError {
  return new InputError(
    `${shard}: sample "${sample.key ?? ''}" has a caption (.${caption}) and no label (.cls): a captioned WebDataset ` +
      'is a retrieval set, which is not supported yet; WebDataset shards are read as classification data (.cls labels)',
  );
}

function readLabel(shard: ShardItems, member: TarMember, where: string): number {
  const text = member.size > MAX_LABEL_BYTES ? undefined : LABEL_TEXT.decode(shard.tar.read(member.offset, member.size)).trim();
  if (text === undefined || !/^[+-]?\d+$/.test(text)) {
    const shown = text === undefined ? `${member.size} bytes` : JSON.stringify(text);
    throw new InputError(`${where}: label ${shown} in ${member.name} is not an integer class index`);
  }
  const value = Number(text) || 0; // `-0` is label 0, as Python's int reads it
  const count = shard.classNames.length;
  if (value < 0 || value >= count) {
    throw new InputError(
      `${where}: label ${value} (${member.name}) is out of range: ${shard.classNamesSource} lists ${count} class ` +
        `${count === 1 ? 'name' : 'names'}, so labels run from 0 to ${count - 1}`,
    );
  }
  return value;
}

function listed(sample: WdsSample): string {
  const extensions = [...sample.members.keys()];
  return extensions.length === 0 ? 'no files' : extensions.map((e) => `.${e}`).join(', ');
}
