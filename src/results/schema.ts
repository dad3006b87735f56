/** results.json, version 1. Documented field by field in the README ("Results"). */
export const SCHEMA_VERSION = 1;

export interface Results {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** Absent in files written before retrieval existed; a retrieval run's file is a RetrievalResults. */
  readonly task?: 'classification';
  readonly run: RunInfo;
  readonly promptSets: readonly PromptSetResult[];
  readonly items: readonly ItemResult[];
  readonly errors: readonly ItemErrorResult[];
}

export interface RunInfo {
  readonly id: string;
  readonly createdAt: string;
  readonly toolVersion: string;
  readonly model: {
    readonly id: string;
    readonly kind: 'local' | 'hub';
    readonly dtype: string;
    /** sha256 of each ONNX file used, keyed by its path in the model folder (`hub:<id>@main` when not on disk). */
    readonly onnxSha256: Readonly<Record<string, string>>;
  };
  readonly preprocess: {
    readonly mode: string;
    readonly size: number;
    readonly cropSize: number;
    readonly mean: readonly number[];
    readonly std: readonly number[];
  };
  readonly dataset: {
    readonly name: string;
    readonly format: string;
    readonly path: string;
    /** Items selected for the run, including any that failed to load. */
    readonly itemCount: number;
    readonly classNames: readonly string[];
    readonly limit: number | null;
    readonly perClass: number | null;
  };
  /** How many distinct embeddings came from the cache and how many were computed in this run. */
  readonly cache: {
    /** The store used, or null with --no-cache. */
    readonly location: string | null;
    readonly images: CacheCounts;
    readonly texts: CacheCounts;
  };
  readonly seed: number;
  readonly batchSize: number;
  readonly threads: number;
  readonly durationMs: number;
  /** Where the run's time went; absent in files written before timings were recorded. */
  readonly timings?: RunTimings;
}

/**
 * Wall-clock seconds per stage of `bench run`, in the order they run (a retrieval run embeds the
 * images before the texts). The stages do not overlap, so they add up to `total` but for the few
 * milliseconds between them. Documented in the README ("Results file").
 */
export interface RunTimings {
  /** Process start to the first stage: Node itself, loading the CLI, reading the settings file. */
  readonly startup: number;
  /** Reading the prompt files and the dataset, picking the subset, opening the embedding cache. */
  readonly dataset: number;
  /**
   * Reading the model's preprocessing config, plus the tokenizer and each ONNX tower when the run
   * needs them (they load lazily, inside the embedding stages; their time is counted here, not
   * there). A tower counts as loaded when it has answered a first one-item call, so this includes
   * one warm-up inference per tower. Near 0 on a run served entirely from the cache.
   */
  readonly modelLoad: number;
  /** Prompt embeddings: cache lookups, tokenizing and the text tower for the misses. */
  readonly textEmbedding: number;
  /** Image embeddings: hashing the images, cache lookups, decoding, preprocessing and the vision tower for the misses. */
  readonly imageEmbedding: number;
  /** Images of the run (evaluated or unreadable) per second of imageEmbedding; null if that took no measurable time. */
  readonly imagesPerSecond: number | null;
  /** Scoring every prompt set (classifiers, metrics, per-item predictions) and assembling the results. */
  readonly metrics: number;
  /** Writing results.json, the history line and the report (index.html with its charts and thumbnails, summary.md, metrics.csv). */
  readonly report: number;
  /** Process start to the end of the report. */
  readonly total: number;
}

export interface CacheCounts {
  readonly fromCache: number;
  readonly computed: number;
}

export interface PromptSetResult {
  readonly name: string;
  readonly file: string;
  /** The templates as written. */
  readonly templates: readonly string[];
  /** Rendered prompts: class name → one prompt per template. */
  readonly prompts: Readonly<Record<string, readonly string[]>>;
  /** Rendered prompts cut at the model's context length. */
  readonly truncatedPrompts: readonly string[];
  readonly metrics: { readonly acc1: number; readonly acc5: number | null; readonly mean_per_class_recall: number };
  readonly perClass: readonly { readonly label: string; readonly recall: number | null; readonly support: number }[];
  /** matrix[true][predicted], rows and columns in `labels` order. */
  readonly confusion: { readonly labels: readonly string[]; readonly matrix: readonly (readonly number[])[] };
}

export interface Prediction {
  readonly label: string;
  readonly prob: number;
}

export interface ItemResult {
  /** Path relative to the dataset root (or `<file>#<index>` for IDX records). */
  readonly id: string;
  readonly label: string;
  /** Prompt set name → top-5 (fewer with fewer classes) classes by probability. */
  readonly predictions: Readonly<Record<string, readonly Prediction[]>>;
}

export interface ItemErrorResult {
  readonly item: string;
  readonly reason: string;
}
