import os from 'node:os';
import path from 'node:path';
import {
  AutoImageProcessor,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  Tensor,
  type PreTrainedModel,
} from '@huggingface/transformers';
import { preprocessSpecFromConfig, type PreprocessorConfig } from './preprocessorConfig.js';
import { resolveModelSource, type ModelDtype, type ModelSource } from './source.js';
import { loadClipTokenizer } from './tokenizer.js';
import type { PreprocessMode, PreprocessSpec, TextTokenizer, TokenizedText } from './types.js';

export interface ModelOptions {
  /** Hub id or model folder. */
  readonly model: string;
  readonly dtype: ModelDtype;
  readonly preprocess: PreprocessMode;
  /** intra-op threads for onnxruntime; the library's default uses about one core. */
  readonly threads?: number;
  readonly cwd: string;
}

export interface ClipModel {
  readonly source: ModelSource;
  readonly preprocess: PreprocessSpec;
  readonly tokenizer: TextTokenizer;
  /** Raw (unnormalised) text embeddings, one per tokenized text. */
  embedTexts(texts: readonly TokenizedText[]): Promise<Float32Array[]>;
  /** Raw (unnormalised) image embeddings, one per CHW pixel tensor from preprocessImage. */
  embedImages(pixelValues: readonly Float32Array[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

type EmbeddingModel = PreTrainedModel & { sessions: Record<string, { inputNames: string[] }> };

/**
 * Loads the tokenizer and preprocessing config now, and each ONNX tower on first use, so a run
 * that needs only one tower (or none, with a warm cache) never pays for the other.
 */
export async function loadClipModel(options: ModelOptions): Promise<ClipModel> {
  const source = resolveModelSource(options.model, options.dtype, options.cwd);
  const local = source.kind === 'local';
  const [tokenizer, preprocess] = await explainHubFailure(source, () =>
    Promise.all([loadClipTokenizer(source.location, { localFilesOnly: local }), loadPreprocessSpec(source, options.preprocess)]),
  );
  const sessionOptions = {
    dtype: source.dtype,
    device: 'cpu' as const,
    local_files_only: local,
    session_options: { intraOpNumThreads: options.threads ?? os.availableParallelism() },
  };
  const textTower = lazy(() =>
    explainHubFailure(source, () => CLIPTextModelWithProjection.from_pretrained(source.location, sessionOptions) as Promise<EmbeddingModel>),
  );
  const visionTower = lazy(() =>
    explainHubFailure(source, () => CLIPVisionModelWithProjection.from_pretrained(source.location, sessionOptions) as Promise<EmbeddingModel>),
  );
  return {
    source,
    preprocess,
    tokenizer,
    embedTexts: async (texts) => (texts.length === 0 ? [] : runText(await textTower.get(), texts, tokenizer.padTokenId)),
    embedImages: async (pixels) => (pixels.length === 0 ? [] : runVision(await visionTower.get(), pixels, preprocess.cropSize)),
    dispose: async () => {
      await Promise.all([textTower.ifLoaded((m) => m.dispose()), visionTower.ifLoaded((m) => m.dispose())]);
    },
  };
}

/** The model's resize/crop/normalise parameters, from its preprocessor_config.json. */
export async function loadPreprocessSpec(source: ModelSource, mode: PreprocessMode): Promise<PreprocessSpec> {
  const local = source.kind === 'local';
  const processor = await AutoImageProcessor.from_pretrained(source.location, { local_files_only: local });
  const where = local ? path.join(source.location, 'preprocessor_config.json') : `${source.id}/preprocessor_config.json`;
  return preprocessSpecFromConfig(processor.config as PreprocessorConfig, mode, where);
}

/** transformers.js reports a missing network or a wrong id as a bare "fetch failed"; say what to do. */
async function explainHubFailure<T>(source: ModelSource, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (source.kind === 'local') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `could not load "${source.id}" from the Hugging Face Hub (${reason}). Check the id and the network, ` +
        'or pass a local folder in the transformers.js layout with --model <dir>.',
      { cause: error },
    );
  }
}

async function runText(model: EmbeddingModel, texts: readonly TokenizedText[], padId: number): Promise<Float32Array[]> {
  // Pad to the longest in the batch, not to 77: the towers are causal and pool at the end token.
  const length = Math.max(...texts.map((t) => t.ids.length));
  const ids = new BigInt64Array(texts.length * length).fill(BigInt(padId));
  const mask = new BigInt64Array(texts.length * length);
  texts.forEach((t, row) => {
    t.ids.forEach((id, col) => {
      ids[row * length + col] = BigInt(id);
      mask[row * length + col] = 1n;
    });
  });
  const feeds: Record<string, Tensor> = { input_ids: new Tensor('int64', ids, [texts.length, length]) };
  if (declaresInput(model, 'attention_mask')) feeds.attention_mask = new Tensor('int64', mask, [texts.length, length]);
  const output = (await model(feeds)) as { text_embeds: Tensor };
  return splitRows(output.text_embeds);
}

async function runVision(model: EmbeddingModel, pixels: readonly Float32Array[], size: number): Promise<Float32Array[]> {
  const plane = 3 * size * size;
  const batch = new Float32Array(pixels.length * plane);
  pixels.forEach((p, i) => {
    if (p.length !== plane) throw new Error(`pixel tensor ${i} has ${p.length} values, expected 3×${size}×${size}`);
    batch.set(p, i * plane);
  });
  const output = (await model({ pixel_values: new Tensor('float32', batch, [pixels.length, 3, size, size]) })) as {
    image_embeds: Tensor;
  };
  return splitRows(output.image_embeds);
}

function declaresInput(model: EmbeddingModel, name: string): boolean {
  return Object.values(model.sessions).some((s) => s.inputNames.includes(name));
}

function splitRows(tensor: Tensor): Float32Array[] {
  const [rows, dim] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array;
  return Array.from({ length: rows }, (_, r) => data.slice(r * dim, (r + 1) * dim));
}

interface Lazy<T> {
  get(): Promise<T>;
  ifLoaded(fn: (value: T) => Promise<unknown>): Promise<void>;
}

function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  return {
    get: () => (pending ??= load()),
    ifLoaded: async (fn) => {
      if (pending) await fn(await pending);
    },
  };
}
