import { Option, type Command } from 'commander';
import type { PreprocessMode } from '../model/types.js';

export interface PreviewFlags {
  readonly model?: string;
  readonly revision?: string;
  readonly preprocess: PreprocessMode;
  readonly savePng?: string;
  readonly dumpTensor?: string;
}

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('show what the model sees: the resized, centre-cropped image and/or its normalised pixel tensor')
    .argument('<image>', 'image file')
    .option('-m, --model <hub id|dir>', 'model whose preprocessing to use (default: from bench.config.json)')
    .option('--revision <rev>', 'branch, tag or commit of a hub model (default: main)')
    .addOption(new Option('--preprocess <mode>', 'clip (original order) or hf (transformers)').choices(['clip', 'hf']).default('clip'))
    .option('--save-png <file>', 'write the model-size crop as PNG')
    .option('--dump-tensor <file>', 'write the normalised pixels as float32 little-endian, CHW')
    // Imported on use, so other commands start without loading sharp.
    .action(async (image: string, flags: PreviewFlags) => (await import('./previewAction.js')).previewCommand(image, flags));
}
