/** An image decoded to 8-bit samples, interleaved, row-major (what sharp's raw output gives). */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

/**
 * Where an item's pixels come from: a file to decode, or pixels already in memory (IDX). In-memory
 * `data` may be a view into a much larger buffer (an IDX record is one into its whole split), so
 * whatever posts it to another thread must send the view's bytes, not the view (preprocessMessage).
 */
export type ImageSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'pixels'; readonly image: DecodedImage }
  | PackedImage;

/**
 * Encoded image bytes inside a container file, read when needed (src/datasets/packed.ts), so a
 * dataset of any size is never extracted to disk nor held in memory: a member of a WebDataset tar
 * shard (its data's byte range), or a cell of a Parquet file (row and column).
 */
export type PackedImage =
  | { readonly kind: 'tar'; readonly container: string; readonly member: string; readonly offset: number; readonly length: number }
  | { readonly kind: 'parquet'; readonly container: string; readonly row: number; readonly column: string };

export interface ClassificationItem {
  /** Stable id: the path relative to the dataset root, or `<file>#<index>` for IDX records. */
  readonly id: string;
  readonly source: ImageSource;
  /** Index into the dataset's classNames. */
  readonly label: number;
}

export type DatasetFormat = 'folder' | 'manifest' | 'idx' | 'webdataset' | 'parquet';
export type RetrievalFormat = 'coco' | 'karpathy' | 'pairs';

export interface ClassificationDataset {
  readonly task: 'classification';
  readonly name: string;
  readonly format: DatasetFormat;
  /** Absolute path of the folder, manifest or IDX directory the dataset was read from. */
  readonly root: string;
  /** Readable class names, in label order. */
  readonly classNames: readonly string[];
  readonly items: readonly ClassificationItem[];
  /**
   * Zero-shot templates that come with the data (CLIP_benchmark's
   * zeroshot_classification_templates.txt beside WebDataset shards): used when no prompt file is given.
   */
  readonly templatesFile?: string;
}

export interface SubsetOptions {
  /** Keep at most this many items in total. */
  readonly limit?: number;
  /** Keep at most this many items per class. */
  readonly perClass?: number;
  /** Seed for the deterministic shuffle that picks the subset. */
  readonly seed?: number;
}

/** An image of a captioned set; `id` is its path relative to the images folder (or as the file names it). */
export interface RetrievalImage {
  readonly id: string;
  readonly source: ImageSource;
}

export interface Caption {
  readonly text: string;
  /** Index into the dataset's images. */
  readonly image: number;
}

/** Images with one or more captions each, for image↔text retrieval. */
export interface RetrievalDataset {
  readonly task: 'retrieval';
  readonly name: string;
  readonly format: RetrievalFormat;
  /** Absolute path of the caption file the dataset was read from. */
  readonly root: string;
  /** Absolute folder the image paths resolve against. */
  readonly imagesDir: string;
  readonly images: readonly RetrievalImage[];
  readonly captions: readonly Caption[];
}

export type Dataset = ClassificationDataset | RetrievalDataset;

export { InputError } from '../errors.js';
