import { Option, type Command } from 'commander';
import { nonNegativeInt, positiveInt, shareBetween0And1 } from './options.js';
import { cacheDirOption, leaseOption, storeOption, type StoreFlags } from './storeOptions.js';

export interface SelectFlags extends StoreFlags {
  prompts?: string;
  dataset?: string;
  model?: string;
  dtype?: string;
  preprocess?: string;
  limit?: number;
  perClass?: number;
  seed?: number;
  maxTemplates: number;
  holdout: number;
  out?: string;
  runs?: string;
  batchSize?: number;
  threads?: number;
  config?: string;
  cache?: boolean;
  split?: string;
}

export function registerSelect(program: Command): void {
  program
    .command('select')
    .description(
      'choose a small ensemble from a pool of templates: greedy forward selection on one half of the images, judged on the other',
    )
    .requiredOption('-p, --prompts <pool.hbs>', 'the pool: a prompt file with several templates')
    .option('-d, --dataset <spec>', 'a classification dataset, as for bench run')
    .option('--split <name>', 'IDX split (test, train)')
    .option('-m, --model <hub id|dir>', 'a hub id or a local model folder')
    .addOption(new Option('--dtype <dtype>', 'ONNX weights to load').choices(['fp32', 'fp16', 'q8']))
    .addOption(new Option('--preprocess <mode>', 'image preprocessing').choices(['clip', 'hf']))
    .option('--max-templates <k>', 'stop once this many templates are chosen', positiveInt, 5)
    .option('--holdout <share>', 'share of each class held out to judge the selection', shareBetween0And1, 0.5)
    .option('--seed <s>', 'seed of the split (and of the subset with --limit/--per-class)', nonNegativeInt)
    .option('--limit <n>', 'use at most n items (a seeded subset)', positiveInt)
    .option('--per-class <n>', 'use at most n items per class', positiveInt)
    .option('-o, --out <file.hbs>', 'where to write the selected templates (default: <pool>.selected.hbs in the run folder)')
    .option('--runs <dir>', 'where the run folder (selection.json, index.html) goes (default: reports/)')
    .option('--batch-size <b>', 'images or prompts per model call', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .addOption(leaseOption())
    .option('--no-cache', 'neither read nor write the embedding cache')
    .action(async (flags: SelectFlags) => (await import('./selectAction.js')).selectCommand(flags));
}
