import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { memoizedSha256 } from '../util/hash.js';
import { familyOf, type ModelFamily, type TowerPolicy } from './families/index.js';
import type { PreprocessorConfig } from './preprocessorConfig.js';
import { onnxFileName, onnxPath, resolveModelSource, type ModelDtype, type ModelSource, type Tower } from './source.js';
import { readClipTokenizerFiles } from './tokenizer.js';
import type { LogitHead, PreprocessMode, PreprocessSpec, TextTokenizer, TokenizedText, TowerIdentity } from './types.js';

export interface ModelOptions {
  /** Hub id or model folder. */
  readonly model: string;
  /** Branch, tag or commit of a hub model (default `main`); ignored for a folder. */
  readonly revision?: string;
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
  /** config.json's model_type: the family whose policies this model follows (src/model/families). */
  readonly family: string;
  /** How this family turns cosine similarities into the scores it reports. */
  readonly head: LogitHead;
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
 * Downloads a hub model's files if they are not cached (see hub.ts), then reads the preprocessing
 * config; the tokenizer, each ONNX tower and transformers.js itself load on first use, so a run
 * that finds everything in the cache starts no session at all.
 */
export async function loadClipModel(options: ModelOptions): Promise<ClipModel> {
  const source = await resolveModelSource(options.model, options.dtype, options.cwd, 'all', { revision: options.revision });
  const { family, config } = await familyOf(source.location);
  const preprocess = await loadPreprocessSpec(source, options.preprocess, family);
  const head = family.head(config, path.join(source.location, 'config.json'));
  // Every file is in source.location by now: transformers.js never goes to the network itself.
  const sessionOptions = {
    dtype: source.dtype,
    device: 'cpu' as const,
    local_files_only: true,
    session_options: { intraOpNumThreads: options.threads ?? os.availableParallelism() },
  };
  const tokenizer = lazy(async () => family.createTokenizer(await readClipTokenizerFiles(source.location)));
  const tower = (policy: TowerPolicy) =>
    lazy(async () => (await transformers())[policy.className].from_pretrained(source.location, sessionOptions) as Promise<EmbeddingModel>);
  const towers = { text: tower(family.towers.text), vision: tower(family.towers.vision) };
  const identities = {
    text: lazy(() => towerIdentity(source, 'text', options.fileHashMemo ?? null)),
    vision: lazy(() => towerIdentity(source, 'vision', options.fileHashMemo ?? null)),
  };
  return {
    source,
    preprocess,
    family: family.modelType,
    head,
    tokenizer: tokenizer.get,
    identity: (tower) => identities[tower].get(),
    embedTexts: async (texts) =>
      texts.length === 0 ? [] : runText(await towers.text.get(), texts, await tokenizer.get(), family.towers.text.output),
    embedImages: async (pixels) =>
      pixels.length === 0 ? [] : runVision(await towers.vision.get(), pixels, preprocess.cropSize, family.towers.vision.output),
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

/**
 * The model's resize/crop/normalise parameters, from its preprocessor_config.json (a hub model's is
 * downloaded by now) as its family reads them.
 */
export async function loadPreprocessSpec(source: ModelSource, mode: PreprocessMode, family?: ModelFamily): Promise<PreprocessSpec> {
  const file = path.join(source.location, 'preprocessor_config.json');
  const policy = family ?? (await familyOf(source.location)).family;
  return policy.preprocessSpec(JSON.parse(await readFile(file, 'utf8')) as PreprocessorConfig, mode, file);
}

/** The weights' sha256 identifies a tower; a hub model's weights are on disk once it is resolved. */
async function towerIdentity(source: ModelSource, tower: Tower, memo: string | null): Promise<TowerIdentity> {
  const file = await onnxPath(source, tower);
  if (file === null) throw new Error(`${onnxFileName(tower, source.dtype)} of ${source.id} is no longer in ${source.location}`);
  const weights = await memoizedSha256(file, memo);
  return { label: source.kind === 'local' ? source.location : source.id, dtype: source.dtype, weights };
}

async function runText(
  model: EmbeddingModel,
  texts: readonly TokenizedText[],
  tokenizer: TextTokenizer,
  output: TowerPolicy['output'],
): Promise<Float32Array[]> {
  const { Tensor } = await transformers();
  // CLIP: pad to the longest in the batch, not to 77 (the towers are causal and pool at the end
  // token). SigLIP: to exactly max_length, since its tower pools the last position.
  const length = tokenizer.padLength ?? Math.max(...texts.map((t) => t.ids.length));
  const ids = new BigInt64Array(texts.length * length).fill(BigInt(tokenizer.padTokenId));
  const mask = new BigInt64Array(texts.length * length);
  texts.forEach((t, row) => {
    t.ids.forEach((id, col) => {
      ids[row * length + col] = BigInt(id);
      mask[row * length + col] = 1n;
    });
  });
  const feeds: Record<string, Tensor> = { input_ids: new Tensor('int64', ids, [texts.length, length]) };
  if (declaresInput(model, 'attention_mask')) feeds.attention_mask = new Tensor('int64', mask, [texts.length, length]);
  return splitRows(((await model(feeds)) as Record<string, Tensor>)[output]!);
}

async function runVision(
  model: EmbeddingModel,
  pixels: readonly Float32Array[],
  size: number,
  output: TowerPolicy['output'],
): Promise<Float32Array[]> {
  const { Tensor } = await transformers();
  const plane = 3 * size * size;
  const batch = new Float32Array(pixels.length * plane);
  pixels.forEach((p, i) => {
    if (p.length !== plane) throw new Error(`pixel tensor ${i} has ${p.length} values, expected 3×${size}×${size}`);
    batch.set(p, i * plane);
  });
  const outputs = (await model({ pixel_values: new Tensor('float32', batch, [pixels.length, 3, size, size]) })) as Record<string, Tensor>;
  return splitRows(outputs[output]!);
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
