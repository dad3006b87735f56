import { Option, type Command } from 'commander';
import { DEFAULT_HNSW } from '../vectorindex/types.js';
import { kList, positiveInt } from './options.js';
import { cacheDirOption, leaseOption, storeOption, type StoreFlags } from './storeOptions.js';

export interface IndexBuildFlags extends StoreFlags {
  images: string;
  model?: string;
  dtype?: string;
  index?: string;
  exact?: boolean;
  m?: number;
  efConstruction?: number;
  efSearch?: number;
  batchSize?: number;
  threads?: number;
  limit?: number;
  config?: string;
  cache?: boolean;
}

export interface IndexEvalFlags extends StoreFlags {
  images: string;
  model?: string;
  dtype?: string;
  index?: string;
  ef: number[];
  k: number;
  m?: number;
  efConstruction?: number;
  format: 'table' | 'json';
  html?: string;
  batchSize?: number;
  threads?: number;
  limit?: number;
  config?: string;
  cache?: boolean;
}

export const INDEX_HELP = 'a .usearch file or folder (default: <cache dir>/index/), pglite://<dir>, or postgres://user@host/db';

export function registerVectorIndex(program: Command): void {
  const index = program.command('index').description('a vector index of image embeddings, for bench search');
  const build = index
    .command('build')
    .description('embed a collection (through the embedding cache) and add the images not in the index yet')
    .requiredOption('--images <spec>', 'the images: any dataset spec bench run takes (a folder, a caption file, a name from datasets/)')
    .option('-m, --model <hub id|dir>', 'model (optionally ending in @fp32, @fp16 or @q8)')
    .option('--dtype <dtype>', 'ONNX weights: fp32, fp16 or q8')
    .option('--index <spec>', INDEX_HELP)
    .option('--exact', 'no HNSW graph: every search is brute force')
    .option('--m <n>', `HNSW links per node (usearch connectivity, pgvector m; default ${DEFAULT_HNSW.m})`, positiveInt)
    .option(
      '--ef-construction <n>',
      `HNSW candidates while adding (usearch expansion_add; default ${DEFAULT_HNSW.efConstruction})`,
      positiveInt,
    )
    .option('--ef-search <n>', `HNSW candidates while searching (usearch expansion_search; default ${DEFAULT_HNSW.efSearch})`, positiveInt)
    .option('--limit <n>', 'index at most n images (a seeded subset)', positiveInt);
  withEmbeddingOptions(build).action(async (flags: IndexBuildFlags) => (await import('./vectorIndexAction.js')).indexBuildCommand(flags));
  const evaluate = index
    .command('eval')
    .description('recall@k of the index against exact search and query latency per ef_search, with a captioned set as queries')
    .requiredOption('--images <spec>', 'a captioned set (retrieval dataset): its images are indexed, its captions are the queries')
    .option('-m, --model <hub id|dir>', 'model (optionally ending in @fp32, @fp16 or @q8)')
    .option('--dtype <dtype>', 'ONNX weights: fp32, fp16 or q8')
    .option('--index <spec>', `${INDEX_HELP}; default: a fresh temporary usearch index`)
    .option('--ef <list>', 'ef_search values to measure', kList, [8, 16, 32, 64, 128, 256])
    .option('-k, --k <n>', 'k of recall@k', positiveInt, 10)
    .option('--m <n>', `HNSW links per node for a new index (default ${DEFAULT_HNSW.m})`, positiveInt)
    .option('--ef-construction <n>', `HNSW candidates while adding, for a new index (default ${DEFAULT_HNSW.efConstruction})`, positiveInt)
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .option('--html <file>', 'also write a self-contained page with a recall-vs-p95-latency chart')
    .option('--limit <n>', 'at most n images with their captions (a seeded subset)', positiveInt);
  withEmbeddingOptions(evaluate).action(async (flags: IndexEvalFlags) => (await import('./vectorIndexAction.js')).indexEvalCommand(flags));
}

/** How both index commands embed: batch size, threads, settings file and the embedding store. */
function withEmbeddingOptions(command: Command): Command {
  return command
    .option('--batch-size <b>', 'images per model call', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads', positiveInt)
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .addOption(leaseOption())
    .option('--no-cache', 'neither read nor write the embedding cache');
}
