import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { loadPreprocessSpec } from '../model/clipModel.js';
import { decodeImage } from '../model/decode.js';
import { resizeAndCrop, toPixelValues } from '../model/preprocess.js';
import { resolveModelSource } from '../model/source.js';
import type { PreviewFlags } from './preview.js';

/** `bench preview`: writes the crop the model sees and/or its normalised tensor. */
export async function previewCommand(image: string, flags: PreviewFlags): Promise<void> {
  if (!flags.savePng && !flags.dumpTensor) throw new InputError('preview: pass --save-png <file>, --dump-tensor <file>, or both');
  const cwd = process.cwd();
  const model = flags.model ?? resolveRunConfig(cwd, {}).model;
  const source = await resolveModelSource(model, 'fp32', cwd, 'preprocessor', { revision: flags.revision });
  const spec = await loadPreprocessSpec(source, flags.preprocess);
  const crop = resizeAndCrop(await decodeImage(image), spec);
  if (flags.savePng) {
    await sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: crop.channels } })
      .png()
      .toFile(flags.savePng);
  }
  if (flags.dumpTensor) {
    const pixels = toPixelValues(crop, spec);
    await writeFile(flags.dumpTensor, littleEndianBytes(pixels));
  }
  process.stdout.write(
    `${image}: ${crop.width}×${crop.height} crop, ${spec.mode} preprocessing, mean ${spec.mean.join('/')}, std ${spec.std.join('/')}\n`,
  );
}

function littleEndianBytes(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}
