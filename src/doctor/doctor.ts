import { loadAnyDataset, selectSubset } from '../datasets/index.js';
import type { ClassificationItem } from '../datasets/types.js';
import { InputError } from '../errors.js';
import { loadClipModel, type ClipModel } from '../model/clipModel.js';
import { decodeSource } from '../model/decodeSource.js';
import { preprocessImage } from '../model/preprocess.js';
import { loadPromptSets, renderClassPrompts } from '../prompts/index.js';
import { compareEmbeddings } from './embeddings.js';
import { zeroShotFlips } from './flips.js';
import { pixelDifference, summarisePixels, type PixelDifference } from './pixels.js';
import type { DoctorReport } from './report.js';
import { loadStockPipeline, type StockPipeline } from './stockPipeline.js';
import { compareTokens } from './tokens.js';

export interface DoctorOptions {
  readonly model: string;
  readonly revision?: string;
  readonly dataset: string;
  readonly datasetsDir: string;
  readonly prompts: string;
  readonly limit: number;
  readonly threads?: number;
  readonly cwd: string;
}

/** Images go through both pipelines this many at a time, so only one batch of tensors is held. */
const IMAGE_BATCH = 32;

/** Runs the reference-exact and the stock transformers.js pipeline on the same images and prompts. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { cwd, datasetsDir } = options;
  const loaded = await loadAnyDataset(options.dataset, { cwd, datasetsDir });
  if (loaded.task !== 'classification')
    throw new InputError(`${loaded.root} is a captioned set; bench doctor needs a classification dataset`);
  const dataset = selectSubset(loaded, { limit: options.limit });
  const [set] = await loadPromptSets([options.prompts]);
  const perClass = renderClassPrompts(set!, dataset.classNames);
  const long = longPrompts(dataset.classNames);
  const texts = [...new Set([...perClass.flat(), ...long])];

  const model = await loadClipModel({
    model: options.model,
    revision: options.revision,
    dtype: 'fp32',
    preprocess: 'clip',
    threads: options.threads,
    cwd,
    fileHashMemo: null,
  });
  const stock = await loadStockPipeline(model.source.location);
  try {
    const tokenizer = await model.tokenizer();
    const reference = tokenizer.tokenize(texts);
    const stockIds = await stock.tokenize(texts);
    // A stock tokenizer that pads to max_length feeds its padding; pad the reference alike to compare.
    const referenceIds = reference.map((t, i) =>
      stock.padsToMaxLength ? padTo(t.ids, stockIds[i]!.length, tokenizer.padTokenId) : [...t.ids],
    );
    const tokens = compareTokens(texts, referenceIds, stockIds, stock.endTokenId);

    const referenceText = await model.embedTexts(reference);
    const stockText = await stock.embedTexts(texts);
    const images = await embedImages(dataset.items, model, stock);
    const byText = (embeddings: readonly Float32Array[]): Map<string, Float32Array> => new Map(texts.map((t, i) => [t, embeddings[i]!]));
    const referenceByText = byText(referenceText);
    const stockByText = byText(stockText);
    const zeroShot = zeroShotFlips({
      imageIds: dataset.items.map((item) => item.id),
      labels: dataset.items.map((item) => item.label),
      classNames: dataset.classNames,
      reference: { images: images.reference, prompts: perClass.map((ps) => ps.map((p) => referenceByText.get(p)!)) },
      stock: { images: images.stock, prompts: perClass.map((ps) => ps.map((p) => stockByText.get(p)!)) },
    });
    return {
      doctor: 1,
      model: { id: model.source.id, location: model.source.location, modelType: stock.modelType },
      dataset: { name: dataset.name, root: dataset.root, images: dataset.items.length },
      prompts: { file: set!.file, rendered: new Set(perClass.flat()).size, long },
      tokens,
      pixels: summarisePixels(images.pixels),
      embeddings: { image: compareEmbeddings(images.reference, images.stock), text: compareEmbeddings(referenceText, stockText) },
      zeroShot,
    };
  } finally {
    await Promise.all([model.dispose(), stock.dispose()]);
  }
}

interface ImageComparison {
  readonly pixels: PixelDifference[];
  readonly reference: Float32Array[];
  readonly stock: Float32Array[];
}

async function embedImages(items: readonly ClassificationItem[], model: ClipModel, stock: StockPipeline): Promise<ImageComparison> {
  const out: ImageComparison = { pixels: [], reference: [], stock: [] };
  for (let start = 0; start < items.length; start += IMAGE_BATCH) {
    const batch = items.slice(start, start + IMAGE_BATCH);
    const referencePixels = await Promise.all(
      batch.map(async (item) => preprocessImage(await decodeSource(item.source), model.preprocess)),
    );
    const stockPixels = await Promise.all(batch.map((item) => stock.preprocess(item.source)));
    out.pixels.push(...referencePixels.map((r, i) => pixelDifference(r, stockPixels[i]!)));
    out.reference.push(...(await model.embedImages(referencePixels)));
    out.stock.push(...(await stock.embedImages(stockPixels)));
  }
  return out;
}

/**
 * Prompts well over 77 tokens, where the two tokenizers part: the reference keeps the end token
 * as the last id, the stock tokenizer cuts it off.
 */
export function longPrompts(classNames: readonly string[]): string[] {
  return classNames
    .slice(0, 3)
    .map((name) =>
      `a catalogue photo of a ${name}, ${'shown from the front on a plain white background with soft studio light, '.repeat(6)}`.trim(),
    );
}

function padTo(ids: readonly number[], length: number, pad: number): number[] {
  return [...ids, ...Array<number>(Math.max(0, length - ids.length)).fill(pad)];
}
