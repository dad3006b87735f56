import type { CacheHold } from '../cache/index.js';
import type { RunConfig } from '../config/config.js';
import { runModels } from '../config/models.js';
import { InputError } from '../errors.js';
import { isMultiModel, modelViews, type AnyResults } from '../results/views.js';
import { recordRunHistory } from '../history/record.js';
import { startChartWorker, type ChartRenderer } from '../report/chartRenderer.js';
import type { ReportFiles } from '../report/index.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results, RunTimings } from '../results/schema.js';
import { createRunDir, newRunId, writeResults } from '../results/write.js';
import { prepareInputs } from './prepare.js';
import { multiModelResults, runModelsClassification, runRetrievalModel } from './runModels.js';
import { startStageClock, type StageClock } from './runInfo.js';

export interface BenchRunOutput {
  /** The (first) model's results; with several models, `file` holds them all. */
  readonly results: Results | RetrievalResults;
  /** What results.json holds: version 1 for one model, version 2 for several. */
  readonly file: AnyResults;
  readonly runDir: string;
  readonly resultsFile: string;
  /** index.html, summary.md and metrics.csv beside results.json; absent if writing them failed (a warning says why). */
  readonly report?: ReportFiles;
}

export interface BenchRunHooks {
  readonly onTruncated?: (prompt: string, promptSet: string, contextLength: number) => void;
  readonly onWarning?: (message: string) => void;
  /** Aborting stops the run after the batch in flight is stored (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Images in the report's gallery (default 200). */
  readonly galleryLimit?: number;
  /** Wait after this many stored batches until aborted (CLIPBENCH_HOLD_AFTER_BATCHES, for tests). */
  readonly hold?: CacheHold;
}

/**
 * `bench run` as a function: validates every input before loading the model (input errors should
 * cost milliseconds, not a model load), runs the dataset's task, and writes reports/<run-id>/.
 * results.json's `run.timings` times each stage from process start (see RunTimings).
 */
export async function benchRun(
  config: RunConfig,
  promptFiles: readonly string[],
  cwd: string,
  hooks: BenchRunHooks = {},
): Promise<BenchRunOutput> {
  const clock = startStageClock();
  const startedAt = Date.now();
  // Started first so vega loads on another core while this thread loads the dataset and model
  // (a warm run's report was half chart engine loading). A run that fails costs only that spare
  // core's time: the worker is terminated in the finally.
  const charts = startChartWorker({ signal: hooks.signal });
  try {
    return await runStages(config, promptFiles, cwd, hooks, { clock, startedAt, charts });
  } finally {
    await charts.close();
  }
}

/** A captioned set takes one model per run (a suite runs each model of it on its own). */
export class SeveralModelsOnRetrievalError extends InputError {
  override readonly name = 'SeveralModelsOnRetrievalError';
}

/** What benchRun set up before the stages: the run's clock and start, and the chart worker. */
interface RunStart {
  readonly clock: StageClock;
  readonly startedAt: number;
  readonly charts: ChartRenderer;
}

async function runStages(
  config: RunConfig,
  promptFiles: readonly string[],
  cwd: string,
  hooks: BenchRunHooks,
  { clock, startedAt, charts }: RunStart,
): Promise<BenchRunOutput> {
  const { promptSets, dataset, cache } = await clock.time('dataset', () => prepareInputs(config, promptFiles, cwd, hooks));
  try {
    const specs = runModels(config);
    if (specs.length > 1 && dataset.task === 'retrieval') {
      throw new SeveralModelsOnRetrievalError(
        `several models in one run compare classification for now; ${dataset.root} is a retrieval dataset: run each model on its own`,
      );
    }
    const runId = newRunId();
    const runDir = await createRunDir(config.out, runId);
    const shared = { config, cwd, hooks, runId, startedAt, clock, cache, promptSets };
    let file: AnyResults;
    if (dataset.task === 'retrieval') file = await runRetrievalModel(specs[0]!, { ...shared, dataset });
    else {
      const run = await runModelsClassification(specs, { ...shared, dataset });
      file = specs.length === 1 ? run.outcomes[0]!.results : multiModelResults(runId, startedAt, run);
    }
    const { resultsFile, report } = await clock.time('report', async () => {
      // results.json first: a report that fails or crashes must not cost the run's results.
      const resultsFile = await writeResults(runDir, file);
      for (const view of modelViews(file)) await recordRunHistory(config.out, view, { cwd, onWarning: hooks.onWarning });
      // Imported here: the report's modules (sharp for thumbnails) are its own cost, and a run that
      // stops at an input error never pays for them; vega is already loaded on the chart worker.
      const { writeRunReport } = await import('../report/index.js');
      const report = await writeRunReport(file, runDir, {
        dataset,
        galleryLimit: hooks.galleryLimit,
        outDir: config.out,
        onWarning: hooks.onWarning,
        renderer: charts,
      });
      return { resultsFile, report };
    });
    // Written again, now that the report's time is known.
    const timed = withTimings(file, clock.timings(imageCount(file) * specs.length));
    await writeResults(runDir, timed);
    return { results: modelViews(timed)[0]!, file: timed, runDir, resultsFile, report };
  } finally {
    await cache.close();
  }
}

function withTimings(results: AnyResults, timings: RunTimings): AnyResults {
  if (isMultiModel(results)) return { ...results, run: { ...results.run, timings } };
  return results.task === 'retrieval' ? { ...results, run: { ...results.run, timings } } : { ...results, run: { ...results.run, timings } };
}

/** Images each model embedded, evaluated or unreadable. */
function imageCount(results: AnyResults): number {
  const first = modelViews(results)[0]!;
  return first.task === 'retrieval' ? first.run.dataset.imageCount : first.run.dataset.itemCount;
}
