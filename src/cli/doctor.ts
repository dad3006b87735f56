import { Option, type Command } from 'commander';
import { positiveInt } from './options.js';

export interface DoctorFlags {
  readonly model?: string;
  readonly revision?: string;
  readonly dataset?: string;
  readonly prompts?: string;
  readonly limit: number;
  readonly threads?: number;
  readonly format: 'text' | 'json';
  readonly out?: string;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('the drift report: how far stock transformers.js (tokenizer, processor, towers) is from the reference-exact pipeline')
    .option('-m, --model <hub id|dir>', 'model to check (default: from bench.config.json)')
    .option('--revision <rev>', 'branch, tag or commit of a hub model (default: main)')
    .option('-d, --dataset <spec>', 'classification dataset whose images to compare (default: the bundled datasets/fashion-mnist-1k)')
    .option('-p, --prompts <file>', 'prompt file rendered for the classes (default: prompts/imagenet-80.hbs)')
    .option('--limit <n>', 'images to compare, a seeded subset', positiveInt, 200)
    .option('--threads <n>', 'intra-op threads for onnxruntime', positiveInt)
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option('--out <file.html>', 'also write the figures as a self-contained HTML page')
    // Imported on use, so other commands start without loading transformers.js.
    .action(async (flags: DoctorFlags) => (await import('./doctorAction.js')).doctorCommand(flags));
}
