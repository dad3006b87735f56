import { z } from 'zod';
import { expected } from '../util/jsonIssues.js';
import { nonBlank, strictFileObject } from '../util/schemaParts.js';
import type { DatasetFormat, RetrievalFormat } from './types.js';

export const FORMATS = ['folder', 'manifest', 'idx', 'webdataset', 'parquet', 'coco', 'karpathy', 'pairs'] as const satisfies readonly (DatasetFormat | RetrievalFormat)[];

const text = (description: string) => nonBlank().describe(description).optional();

/** A dataset descriptor: `datasets/<name>.json`, or any such file given as the dataset (datasets/README.md). */
export const descriptorSchema = strictFileObject(
  {
    name: text('Name in results and reports; default: the file name without .json'),
    task: z.enum(['classification', 'retrieval']).describe('What the data holds (the format decides; this documents it)').optional(),
    format: z.enum(FORMATS).describe('folder, manifest, idx, webdataset and parquet hold classes; coco, karpathy and pairs hold captions'),
    path: nonBlank('a path to the dataset folder or file').describe("The data (folder, manifest, IDX files or folder, WebDataset shard folder or pattern, Parquet file, folder or glob, caption file), relative to this file's folder"),
    images: nonBlank('a path to the images folder').describe("Images folder of a caption file, relative to this file's folder").optional(),
    split: nonBlank().describe('IDX split (test, train) or Karpathy split (test, val, train, restval)').optional(),
    classnames: z
      .union([z.array(nonBlank()), z.record(z.string(), nonBlank())], {
        error: expected('a list of names in label order, or an object mapping folder names to names'),
      })
      .describe('Readable class names: a list in label order, or (folders only) an object mapping folder name to name')
      .optional(),
    description: text('What the data is'),
    licence: text('Licence of the data'),
    license: text('Licence of the data (either spelling)'),
    source: text('Where the data comes from'),
    citation: text('How to cite the data'),
    install: text('How to get the data when it is missing (e.g. an apt-get command)'),
  },
  'field',
).describe('ClipBench dataset descriptor (datasets/README.md)');

export type DescriptorFile = z.output<typeof descriptorSchema>;
