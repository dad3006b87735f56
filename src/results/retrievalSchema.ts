import type { ItemErrorResult, RunInfo, SCHEMA_VERSION } from './schema.js';

/** results.json of a retrieval run (`task: "retrieval"`); documented in the README ("Results"). */
export interface RetrievalResults {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly task: 'retrieval';
  readonly run: Omit<RunInfo, 'dataset'> & {
    readonly dataset: {
      readonly name: string;
      readonly format: string;
      /** The caption file. */
      readonly path: string;
      readonly imagesDir: string;
      /** Images selected for the run, including any that failed to load. */
      readonly imageCount: number;
      readonly captionCount: number;
      readonly limit: number | null;
    };
    readonly ks: readonly number[];
  };
  /** Images evaluated (unreadable ones are under `errors`), in dataset order. */
  readonly images: readonly { readonly id: string }[];
  /** Captions of the evaluated images; `image` indexes `images`. */
  readonly captions: readonly { readonly text: string; readonly image: number }[];
  readonly promptSets: readonly RetrievalPromptSetResult[];
  readonly errors: readonly ItemErrorResult[];
}

export interface RetrievalPromptSetResult {
  readonly name: string;
  /** The prompt file, or null when captions were used as they are. */
  readonly file: string | null;
  readonly templates: readonly string[];
  readonly truncatedPrompts: readonly string[];
  /** `image_retrieval_recall@k` and `text_retrieval_recall@k` for each k. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly ranks: {
    /** Per caption: rank of its image among all images (0 = first). */
    readonly imageRankPerCaption: readonly number[];
    /** Per image: best rank of any of its captions among all captions (0 = first). */
    readonly captionRankPerImage: readonly number[];
  };
  /** The top 5 results of the first few queries each way, for the report. */
  readonly examples: {
    readonly captionToImages: readonly { readonly caption: number; readonly top: readonly number[] }[];
    readonly imageToCaptions: readonly { readonly image: number; readonly top: readonly number[] }[];
  };
}
