import { InvalidArgumentError, Option, type Command } from 'commander';
import { positiveInt } from './options.js';
import { cacheDirOption, leaseOption, storeOption, type StoreFlags } from './storeOptions.js';

export interface LabelFlags extends StoreFlags {
  images: string;
  prompts: string;
  classes?: string;
  model?: string;
  revision?: string;
  dtype?: string;
  preprocess?: string;
  split?: string;
  topK: number;
  minProb: number;
  minMargin: number;
  batchSize?: number;
  threads?: number;
  out?: string;
  config?: string;
  cache?: boolean;
}

/** A probability or a margin between probabilities: 0 to 1 inclusive (0 turns the test off). */
function unitInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1, e.g. 0.5.');
  return n;
}

export function registerLabel(program: Command): void {
  program
    .command('label')
    .description('zero-shot label every image of an unlabelled collection with one prompt file')
    .requiredOption(
      '-i, --images <spec>',
      'a folder of images (any depth), or any dataset bench run reads (class folders, manifest, IDX, descriptor name, shards, Parquet), its labels ignored',
    )
    .requiredOption('-p, --prompts <file>', 'one prompt file (.hbs templates, or a per-class .json that names its classes)')
    .option('--classes <file>', "class names, one per line (default: the .json prompt file's, else the dataset's)")
    .option('-m, --model <hub id|dir>', 'a hub id or local model folder, optionally ending in @fp32, @fp16 or @q8')
    .option('--revision <rev>', 'branch, tag or commit of a hub model (default: main)')
    .addOption(new Option('--dtype <dtype>', 'ONNX weights to load').choices(['fp32', 'fp16', 'q8']))
    .addOption(
      new Option('--preprocess <mode>', 'clip: original OpenAI order; hf: transformers CLIPImageProcessor').choices(['clip', 'hf']),
    )
    .option('--split <name>', 'IDX split to read (test, train)')
    .option('-k, --top-k <k>', 'classes per image in labels.csv and labels.jsonl', positiveInt, 3)
    .option('--min-prob <p>', 'mark an image uncertain when its top-1 probability is below p', unitInterval, 0)
    .option('--min-margin <m>', 'mark an image uncertain when top-1 minus top-2 probability is below m', unitInterval, 0)
    .option('--batch-size <b>', 'images or prompts per model call', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .option('-o, --out <dir>', 'where the label-<run id> folder is written (default: reports/)')
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .addOption(cacheDirOption())
    .addOption(storeOption())
    .addOption(leaseOption())
    .option('--no-cache', 'neither read nor write the embedding cache')
    // The action and everything labelling needs load only when `bench label` is what was asked for.
    .action(async (flags: LabelFlags) => (await import('./labelAction.js')).labelCommand(flags));
}
