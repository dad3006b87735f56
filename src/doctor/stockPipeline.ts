import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  SiglipTextModel,
  SiglipVisionModel,
  Tensor,
  type PreTrainedModel,
} from '@huggingface/transformers';
import { packedName, readPackedImage } from '../datasets/packed.js';
import type { ImageSource } from '../datasets/types.js';
import { InputError } from '../errors.js';

/**
 * transformers.js used as its documentation shows, with every default left as it is: what a user
 * of the library gets, which `bench doctor` sets against the reference-exact pipeline.
 */
export interface StockPipeline {
  readonly modelType: string;
  /** The id that ends a prompt (the tokenizer's eos), to tell prompts cut before it. */
  readonly endTokenId: number;
  /** Whether `tokenize` rows include padding up to the context length (SigLIP), as the tower is fed them. */
  readonly padsToMaxLength: boolean;
  /** The ids fed to the text tower for each text (padding left out where the family pads to the longest). */
  tokenize(texts: readonly string[]): Promise<number[][]>;
  /** The processor's normalised CHW tensor of one image. */
  preprocess(source: ImageSource): Promise<Float32Array>;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  embedImages(pixels: readonly Float32Array[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

interface TowerClass {
  from_pretrained(folder: string, options: Record<string, unknown>): Promise<PreTrainedModel>;
}

interface Family {
  readonly text: TowerClass;
  readonly vision: TowerClass;
  readonly textOutput: string;
  readonly visionOutput: string;
  /** SigLIP was trained on prompts padded to the full context; CLIP's model card pads to the longest. */
  readonly padding: true | 'max_length';
}

/** What a library user picks per `model_type` of config.json. */
const FAMILIES: Readonly<Record<string, Family>> = {
  clip: {
    text: CLIPTextModelWithProjection,
    vision: CLIPVisionModelWithProjection,
    textOutput: 'text_embeds',
    visionOutput: 'image_embeds',
    padding: true,
  },
  siglip: {
    text: SiglipTextModel,
    vision: SiglipVisionModel,
    textOutput: 'pooler_output',
    visionOutput: 'pooler_output',
    padding: 'max_length',
  },
};

const BATCH = 64;

interface Encoded {
  readonly input_ids: Tensor;
  readonly attention_mask: Tensor;
}
type StockTokenizer = ((texts: string[], options: { padding: true | 'max_length'; truncation: true }) => Encoded) & {
  readonly eos_token_id: number;
};
type StockProcessor = (image: RawImage) => Promise<{ pixel_values: Tensor }>;

export async function loadStockPipeline(folder: string): Promise<StockPipeline> {
  const modelType = await readModelType(folder);
  const family = FAMILIES[modelType];
  if (family === undefined) {
    throw new InputError(
      `bench doctor knows the stock classes of model_type ${Object.keys(FAMILIES).join(', ')}; ${folder} has "${modelType}"`,
    );
  }
  const options = { local_files_only: true };
  const tokenizer = (await AutoTokenizer.from_pretrained(folder, options)) as unknown as StockTokenizer;
  const processor = (await AutoProcessor.from_pretrained(folder, options)) as unknown as StockProcessor;
  const towerOptions = { ...options, dtype: 'fp32', device: 'cpu' };
  const towers: { text?: PreTrainedModel; vision?: PreTrainedModel } = {};
  // The processor's own output shape, so a batch is stacked as it would have been batched.
  let pixelDims: readonly number[] = [];
  const encode = (texts: readonly string[]): Encoded => tokenizer([...texts], { padding: family.padding, truncation: true });
  return {
    modelType,
    endTokenId: tokenizer.eos_token_id,
    padsToMaxLength: family.padding === 'max_length',
    tokenize: async (texts) => inBatches(texts, (batch) => Promise.resolve(fedIds(encode(batch), family.padding === true))),
    preprocess: async (source) => {
      const { pixel_values } = await processor(await rawImage(source));
      pixelDims = pixel_values.dims.slice(1);
      return (pixel_values.data as Float32Array).slice();
    },
    embedTexts: (texts) =>
      inBatches(texts, async (batch) => {
        towers.text ??= await family.text.from_pretrained(folder, towerOptions);
        return rows((await towers.text({ ...encode(batch) })) as Record<string, unknown>, family.textOutput);
      }),
    embedImages: (pixels) =>
      inBatches(pixels, async (batch) => {
        towers.vision ??= await family.vision.from_pretrained(folder, towerOptions);
        return rows((await towers.vision({ pixel_values: stack(batch, pixelDims) })) as Record<string, unknown>, family.visionOutput);
      }),
    dispose: async () => {
      await Promise.all([towers.text?.dispose(), towers.vision?.dispose()]);
    },
  };
}

async function readModelType(folder: string): Promise<string> {
  const config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as { model_type?: unknown };
  return typeof config.model_type === 'string' ? config.model_type : 'unknown';
}

/** How a user hands an image to the processor: RawImage read from the file, or from the bytes. */
async function rawImage(source: ImageSource): Promise<RawImage> {
  switch (source.kind) {
    case 'file':
      return RawImage.read(source.path);
    case 'pixels':
      return new RawImage(source.image.data, source.image.width, source.image.height, source.image.channels);
    default:
      try {
        // A copy: Blob wants bytes backed by a plain ArrayBuffer, not a shared one.
        return await RawImage.fromBlob(new Blob([new Uint8Array(await readPackedImage(source))]));
      } catch (error) {
        throw new InputError(`transformers.js cannot read ${packedName(source)}: ${(error as Error).message}`);
      }
  }
}

/** The ids the tower sees; with pad-to-longest, only the attended ones (the rest depend on the batch). */
function fedIds(encoded: Encoded, dropPadding: boolean): number[][] {
  const ids = encoded.input_ids.tolist() as bigint[][];
  const mask = encoded.attention_mask.tolist() as bigint[][];
  return ids.map((row, r) => row.filter((_, c) => !dropPadding || mask[r]![c] === 1n).map(Number));
}

function stack(pixels: readonly Float32Array[], dims: readonly number[]): Tensor {
  const plane = pixels[0]!.length;
  const data = new Float32Array(pixels.length * plane);
  pixels.forEach((p, i) => data.set(p, i * plane));
  return new Tensor('float32', data, [pixels.length, ...dims]);
}

function rows(output: Record<string, unknown>, name: string): Float32Array[] {
  const tensor = output[name];
  if (!(tensor instanceof Tensor)) throw new Error(`the stock tower gave no ${name} (it gave ${Object.keys(output).join(', ')})`);
  const [count, dim] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array;
  return Array.from({ length: count }, (_, r) => data.slice(r * dim, (r + 1) * dim));
}

async function inBatches<T, R>(items: readonly T[], run: (batch: readonly T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(...(await run(items.slice(i, i + BATCH))));
  return out;
}
