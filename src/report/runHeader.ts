import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import { escapeMarkdown } from '../util/format.js';

/** What both pages' headers and summaries say about the run itself, whatever its task. */
export interface RunHeader {
  readonly runId: string;
  readonly createdAt: string;
  readonly toolVersion: string;
  readonly durationMs: number;
  readonly model: string;
  readonly modelKind: string;
  readonly dtype: string;
  readonly preprocess: string;
  readonly dataset: string;
  readonly datasetFormat: string;
  readonly datasetPath: string;
  readonly cache: string;
  readonly errors: readonly { readonly item: string; readonly reason: string }[];
}

/** What the header reads of a results file: its run (of any task, or of bench select) and unreadable images. */
export interface RunHeaderSource {
  readonly run: Omit<Results['run'], 'dataset'> & {
    readonly dataset: { readonly name: string; readonly format: string; readonly path: string };
  };
  readonly errors: RunHeader['errors'];
}

export function runHeader(results: Results | RetrievalResults | RunHeaderSource): RunHeader {
  const { run } = results;
  const { images, texts } = run.cache;
  return {
    runId: run.id,
    createdAt: run.createdAt,
    toolVersion: run.toolVersion,
    durationMs: run.durationMs,
    model: run.model.id,
    modelKind: run.model.kind,
    dtype: run.model.dtype,
    preprocess: `${run.preprocess.mode}, ${run.preprocess.size}px → ${run.preprocess.cropSize}px crop`,
    dataset: run.dataset.name,
    datasetFormat: run.dataset.format,
    datasetPath: run.dataset.path,
    cache:
      run.cache.location === null
        ? 'off (--no-cache)'
        : `${images.fromCache} of ${images.fromCache + images.computed} images and ` +
          `${texts.fromCache} of ${texts.fromCache + texts.computed} prompts from the cache`,
    errors: results.errors,
  };
}

/** summary.md's last line: what was evaluated (`counted`), then the run. */
export function summaryRunLine(h: RunHeader, counted: string): string {
  return (
    counted +
    (h.errors.length > 0 ? `, ${h.errors.length} unreadable (left out)` : '') +
    ` · run ${escapeMarkdown(h.runId)} · ${(h.durationMs / 1000).toFixed(1)} s · ClipBench ${escapeMarkdown(h.toolVersion)}`
  );
}
