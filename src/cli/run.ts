import { Option, type Command } from 'commander';
import { dtypeList, kList, nonNegativeInt, positiveInt } from './options.js';
import { cacheDirOption, leaseOption, storeOption, type StoreFlags } from './storeOptions.js';

export interface RunFlags extends StoreFlags {
  prompts?: string[];
  dataset?: string;
  model?: string[];
  revision?: string;
  dtype?: string[];
  preprocess?: string;
  limit?: number;
  perClass?: number;
  seed?: number;
  batchSize?: number;
  threads?: number;
  out?: string;
  strict?: boolean;
  config?: string;
  cache?: boolean;
  task?: string;
  images?: string;
  classnames?: string;
  split?: string;
  recallK?: number[];
  galleryLimit?: number;
  index?: string;
}

export function registerRun(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('score zero-shot classification, or image-text retrieval on a captioned set, for one or more prompt files')
    .option(
      '-p, --prompts <file...>',
      'prompt files (.hbs templates, or .json per-class prompts); several are compared side by side (optional for retrieval)',
    )
    .option(
      '-d, --dataset <spec>',
      'class folders, a .csv/.tsv manifest, IDX files, COCO/Karpathy caption JSON, caption pairs, or a name from datasets/',
    )
    .addOption(new Option('--task <task>', 'fail unless the dataset holds this task').choices(['classification', 'retrieval']))
    .option('--images <dir>', 'images folder of a caption file (default: its folder, then images/ beside it)')
    .option('--classnames <file>', 'class names, one per line, for WebDataset shards or Parquet files (default: those that come with them)')
    .option('--split <name>', 'IDX split (test, train) or Karpathy split (test, val, train, restval)')
    .option('--recall-k <ks>', 'k values of recall@k for retrieval (default 1,5,10)', kList)
    .option(
      '-m, --model <hub id|dir...>',
      'hub ids (e.g. Xenova/clip-vit-base-patch32) or local model folders, each optionally ending in @fp32, @fp16 or @q8; several are compared side by side',
    )
    .option('--revision <rev>', 'branch, tag or commit of the hub models (default: main)')
    .option('--dtype <dtypes>', 'ONNX weights to load: fp32, fp16 or q8, or several separated by commas (each model in each)', dtypeList)
    .addOption(
      new Option('--preprocess <mode>', 'clip: original OpenAI order; hf: transformers CLIPImageProcessor').choices(['clip', 'hf']),
    )
    .option('--limit <n>', 'evaluate at most n items (a seeded, deterministic subset)', positiveInt)
    .option('--per-class <n>', 'evaluate at most n items per class', positiveInt)
    .option('--seed <s>', 'seed that picks the subset', nonNegativeInt)
    .option('--batch-size <b>', 'images or prompts per model call', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .option('-o, --out <dir>', 'where run folders are written (default: reports/)')
    .option('--strict', 'exit 1 when any image could not be read')
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .addOption(leaseOption())
    .option('--no-cache', 'neither read nor write the embedding cache')
    .option('--gallery-limit <n>', 'images in the HTML report gallery (default 200; 0 for none)', nonNegativeInt)
    .option(
      '--index <backend>',
      'captioned sets: also measure image recall@k through a vector index (usearch, a .usearch file, pglite://dir, postgres://…)',
    )
    // The action and everything a run needs load only when `bench run` is what was asked for.
    .action(async (flags: RunFlags) => (await import('./runAction.js')).runCommand(flags, setExit));
}
