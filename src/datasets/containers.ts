import type { LoadOptions } from './load.js';
import { parquetFormat } from './parquet.js';
import type { Dataset } from './types.js';
import { webDatasetFormat } from './webdataset.js';

/**
 * A dataset packed in container files (WebDataset tar shards, Parquet files): how the loader
 * recognises it, and how it is read. The loader asks each format in turn; a new container format
 * is one more entry in CONTAINER_FORMATS.
 */
export interface ContainerFormat {
  readonly name: 'webdataset' | 'parquet';
  /** A spec that is not an existing path but names this format: a shard pattern, a glob. */
  claimsSpec(spec: string): boolean;
  /** An existing file of this format. */
  claimsFile(file: string): boolean;
  /** A folder whose entries (names only) are this format's files. */
  claimsFolder(names: readonly string[]): boolean;
  /** `spec` as the user gave it; `options.cwd` resolves it. */
  load(spec: string, options: LoadOptions): Promise<Dataset>;
}

export const CONTAINER_FORMATS: readonly ContainerFormat[] = [webDatasetFormat, parquetFormat];
