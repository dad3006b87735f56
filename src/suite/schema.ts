import { z } from 'zod';
import { nonBlank, nonEmptyList, positiveInt, strictFileObject } from '../util/schemaParts.js';

/**
 * A suite file: datasets × models × prompt files run in one go (`bench suite <suite.json>`).
 * Relative paths are taken from the suite file's folder. Documented in the README ("Suites").
 */
const datasetEntrySchema = strictFileObject(
  {
    name: nonBlank().describe('The column name in the leaderboard (default: the dataset spec)').optional(),
    dataset: nonBlank().describe('As --dataset: a path, a shard pattern, a Parquet glob or a descriptor name'),
    prompts: z
      .array(nonBlank())
      .describe("This dataset's prompt files; the first is its leaderboard prompt (default: the suite's, else the dataset's own templates)")
      .optional(),
    classnames: nonBlank().describe('A class-names file for WebDataset shards or Parquet files').optional(),
    split: nonBlank().describe('IDX, Karpathy or Parquet split').optional(),
    limit: positiveInt().describe('Evaluate at most this many items (a seeded subset)').optional(),
    perClass: positiveInt().describe('At most this many items per class').optional(),
  },
  'dataset setting',
);

export const suiteFileSchema = strictFileObject(
  {
    name: nonBlank().describe("The suite's name, in the leaderboard's title"),
    models: nonEmptyList(nonBlank(), 'a list of model ids or folders')
      .describe("Hub ids or model folders, each optionally ending in @fp32, @fp16 or @q8 (default: the settings file's model)")
      .optional(),
    prompts: z.array(nonBlank()).describe('Prompt files of every dataset that names none of its own').optional(),
    datasets: nonEmptyList(datasetEntrySchema, 'a list of datasets'),
  },
  'suite setting',
).describe('ClipBench suite: datasets × models × prompt files (bench suite)');

export type SuiteFile = z.output<typeof suiteFileSchema>;
export type SuiteDatasetEntry = SuiteFile['datasets'][number];
