import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { memoizedSha256 } from '../util/hash.js';
import { preprocessSpecFromConfig, type PreprocessorConfig } from './preprocessorConfig.js';
import { onnxPath, resolveModelSource, type ModelDtype, type ModelSource, type Tower } from './source.js';
import { loadClipTokenizer } from './tokenizer.js';
import type { PreprocessMode, PreprocessSpec, TextTokenizer, TokenizedText, TowerIdentity } from './types.js';

export interface ModelOptions {
  /** Hub id or model folder. */
  readonly model: string;
  readonly dtype: ModelDtype;
  readonly preprocess: PreprocessMode;
  /** intra-op threads for onnxruntime; the library's default uses about one core. */
  readonly threads?: number;
  readonly cwd: string;
  /** Where to remember ONNX file hashes between runs (null: hash every time). */
  readonly fileHashMemo?: string | null;
}

export interface ClipModel {
  readonly source: ModelSource;
  readonly preprocess: PreprocessSpec;
  /** Loaded on first use: a run whose text embeddings are all cached never needs it. */
  tokenizer(): Promise<TextTokenizer>;
  /** What the cache keys each tower's embeddings by: dtype and the weights' sha256 (plus a label for stats). */
  identity(tower: Tower): Promise<TowerIdentity>;
  /** Raw (unnormalised) text embeddings, one per tokenized text. */
  embedTexts(texts: readonly TokenizedText[]): Promise<Float32Array[]>;
  /** Raw (unnormalised) image embeddings, one per CHW pixel tensor from preprocessImage. */
  embedImages(pixelValues: readonly Float32Array[]): Promise<Float32Array[]>;
  /** Whether an ONNX session was ever created (a fully cached run creates none). */
  loadedTowers(): Tower[];
  dispose(): Promise<void>;
}

type EmbeddingModel = PreTrainedModel & { sessions: Record<string, { inputNames: string[] }> };
type Transformers = typeof import('@huggingface/transformers');

/**
 * Reads the preprocessing config now; the tokenizer, each ONNX tower and transformers.js itself
 * load on first use, so a run that finds everything in the cache starts no session at all.
 */
export async function loadClipModel(options: ModelOptions): Promise<ClipModel> {
  const source = resolveModelSource(options.model, options.dtype, options.cwd);
  const preprocess = await loadPreprocessSpec(source, options.preprocess);
  const local = source.kind === 'local';
  const sessionOptions = {
    dtype: source.dtype,
    device: 'cpu' as const,
    local_files_only: local,
    session_options: { intraOpNumThreads: options.threads ?? os.availableParallelism() },
  };
  const tokenizer = lazy(() => explainHubFailure(source, () => loadClipTokenizer(source.location, { localFilesOnly: local })));
  const towers = {
    text: lazy(async () => {
      const { CLIPTextModelWithProjection } = await transformers();
      return explainHubFailure(
        source,
        () => CLIPTextModelWithProjection.from_pretrained(source.location, sessionOptions) as Promise<EmbeddingModel>,
      );
    }),
    vision: lazy(async () => {
      const { CLIPVisionModelWithProjection } = await transformers();
      return explainHubFailure(
        source,
        () => CLIPVisionModelWithProjection.from_pretrained(source.location, sessionOptions) as Promise<EmbeddingModel>,
      );
    }),
  };
  const identities = {
    text: lazy(() => towerIdentity(source, 'text', towers.text.get, options.fileHashMemo ?? null)),
    vision: lazy(() => towerIdentity(source, 'vision', towers.vision.get, options.fileHashMemo ?? null)),
  };
  return {
    source,
    preprocess,
    tokenizer: tokenizer.get,
    identity: (tower) => identities[tower].get(),
    embedTexts: async (texts) => (texts.length === 0 ? [] : runText(await towers.text.get(), texts, (await tokenizer.get()).padTokenId)),
    embedImages: async (pixels) => (pixels.length === 0 ? [] : runVision(await towers.vision.get(), pixels, preprocess.cropSize)),
    loadedTowers: () => (['text', 'vision'] as const).filter((t) => towers[t].loaded()),
    dispose: async () => {
      await Promise.all([towers.text.ifLoaded((m) => m.dispose()), towers.vision.ifLoaded((m) => m.dispose())]);
    },
  };
}

/** Imported on demand: a warm-cache run never needs transformers.js, and it costs ~0.5 s to load. */
function transformers(): Promise<Transformers> {
  return import('@huggingface/transformers');
}

/** The model's resize/crop/normalise parameters, from its preprocessor_config.json. */
export async function loadPreprocessSpec(source: ModelSource, mode: PreprocessMode): Promise<PreprocessSpec> {
  if (source.kind === 'local') {
    const file = path.join(source.location, 'preprocessor_config.json');
    return preprocessSpecFromConfig(JSON.parse(await readFile(file, 'utf8')) as PreprocessorConfig, mode, file);
  }
  const { AutoImageProcessor } = await transformers();
  const processor = await explainHubFailure(source, () => AutoImageProcessor.from_pretrained(source.location));
  return preprocessSpecFromConfig(processor.config, mode, `${source.id}/preprocessor_config.json`);
}

/**
 * The weights' sha256 identifies a tower. A hub model's files are on disk only once downloaded,
 * so the tower is loaded first when they are missing.
 */
async function towerIdentity(source: ModelSource, tower: Tower, load: () => Promise<unknown>, memo: string | null): Promise<TowerIdentity> {
  let file = await onnxPath(source, tower);
  if (!file && source.kind === 'hub') {
    await load();
    file = await onnxPath(source, tower);
  }
  const weights = file ? await memoizedSha256(file, memo) : `hub:${source.id}@main`;
  return { label: source.kind === 'local' ? source.location : source.id, dtype: source.dtype, weights };
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
  const { Tensor } = await transformers();
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
  const { Tensor } = await transformers();
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
  return Object.values<{ inputNames: string[] }>(model.sessions).some((s) => s.inputNames.includes(name));
}

function splitRows(tensor: Tensor): Float32Array[] {
  const [rows, dim] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array;
  return Array.from({ length: rows }, (_, r) => data.slice(r * dim, (r + 1) * dim));
}

interface Lazy<T> {
  readonly get: () => Promise<T>;
  loaded(): boolean;
  ifLoaded(fn: (value: T) => Promise<unknown>): Promise<void>;
}

function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  return {
    get: () => (pending ??= load()),
    loaded: () => pending !== undefined,
    ifLoaded: async (fn) => {
      if (pending) await fn(await pending);
    },
  };
}
