import { Option, type Command } from 'commander';
import { positiveInt } from './options.js';
import { INDEX_HELP } from './vectorIndex.js';
import { cacheDirOption, leaseOption, storeOption, type StoreFlags } from './storeOptions.js';

export interface SearchFlags extends StoreFlags {
  image?: string;
  k: number;
  index?: string;
  model?: string;
  dtype?: string;
  exact?: boolean;
  efSearch?: number;
  threads?: number;
  format: 'table' | 'json';
  html?: string;
  images?: string;
  config?: string;
}

export function registerSearch(program: Command): void {
  program
    .command('search [text]')
    .description('the images of an index (bench index build) nearest a text or an image')
    .option('--image <file>', 'search by this image instead of a text')
    .option('-k, --k <n>', 'results to show', positiveInt, 20)
    .option('--index <spec>', INDEX_HELP)
    .option('-m, --model <hub id|dir>', 'model the index was built with (optionally ending in @fp32, @fp16 or @q8)')
    .option('--dtype <dtype>', 'ONNX weights: fp32, fp16 or q8')
    .option('--exact', 'brute force over every image instead of the HNSW graph')
    .option('--ef-search <n>', 'HNSW candidates while searching (default: the index’s own)', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads', positiveInt)
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .option('--html <file>', 'also write a self-contained HTML gallery of the results')
    .option('--images <spec>', 'the collection the index was built from, for the gallery’s thumbnails')
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .addOption(leaseOption())
    .action(async (text: string | undefined, flags: SearchFlags) => (await import('./searchAction.js')).searchCommand(text, flags));
}
