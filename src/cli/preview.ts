import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { loadPreprocessSpec } from '../model/clipModel.js';
import { resizeAndCrop, toPixelValues } from '../model/preprocess.js';
import { resolveModelSource } from '../model/source.js';
import type { PreprocessMode } from '../model/types.js';

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('show what the model sees: the resized, centre-cropped image and/or its normalised pixel tensor')
    .argument('<image>', 'image file')
    .option('-m, --model <hub id|dir>', 'model whose preprocessing to use (default: from bench.config.json)')
    .addOption(new Option('--preprocess <mode>', 'clip (original order) or hf (transformers)').choices(['clip', 'hf']).default('clip'))
    .option('--save-png <file>', 'write the model-size crop as PNG')
    .option('--dump-tensor <file>', 'write the normalised pixels as float32 little-endian, CHW')
    .action(async (image: string, flags: { model?: string; preprocess: PreprocessMode; savePng?: string; dumpTensor?: string }) => {
      if (!flags.savePng && !flags.dumpTensor) throw new InputError('preview: pass --save-png <file>, --dump-tensor <file>, or both');
      const cwd = process.cwd();
      const source = resolveModelSource(flags.model ?? resolveRunConfig(cwd, {}).model, 'fp32', cwd, 'preprocessor');
      const spec = await loadPreprocessSpec(source, flags.preprocess);
      // Imported here so other commands start without loading sharp.
      const [{ decodeImage }, { default: sharp }] = await Promise.all([import('../model/decode.js'), import('sharp')]);
      const crop = resizeAndCrop(await decodeImage(image), spec);
      if (flags.savePng) {
        await sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: crop.channels } }).png().toFile(flags.savePng);
      }
      if (flags.dumpTensor) {
        const pixels = toPixelValues(crop, spec);
        await writeFile(flags.dumpTensor, littleEndianBytes(pixels));
      }
      process.stdout.write(`${image}: ${crop.width}×${crop.height} crop, ${spec.mode} preprocessing, mean ${spec.mean.join('/')}, std ${spec.std.join('/')}\n`);
    });
}

function littleEndianBytes(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}
