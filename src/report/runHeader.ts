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
  /** What the probabilities beside each prediction are: the family's score head. */
  readonly scores: string;
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
    preprocess: preprocessText(run.preprocess),
    scores: scoresText(run.model.head),
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

function preprocessText(p: Results['run']['preprocess'] & { readonly resize?: string }): string {
  return p.resize === 'squash' ? `squash to ${p.cropSize}px (no crop)` : `${p.mode}, ${p.size}px → ${p.cropSize}px crop`;
}

/** Files written before families existed have no head: CLIP's softmax. */
function scoresText(head: Results['run']['model']['head']): string {
  if (head?.kind === 'sigmoid')
    return `sigmoid(${head.scale.toPrecision(4)} · cos ${head.bias < 0 ? '−' : '+'} ${Math.abs(head.bias)}) per class (SigLIP)`;
  return `softmax over the classes of ${head?.scale ?? 100} · cos (CLIP)`;
}
