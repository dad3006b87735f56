import type { CacheHold } from '../cache/index.js';
import type { RunConfig } from '../config/config.js';
import { recordRunHistory } from '../history/record.js';
import { captionsAsTheyAre } from '../prompts/index.js';
import { startChartWorker, type ChartRenderer } from '../report/chartRenderer.js';
import type { ReportFiles } from '../report/index.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import type { Results, RunTimings } from '../results/schema.js';
import { createRunDir, newRunId, writeResults } from '../results/write.js';
import { loadRunModel, prepareInputs } from './prepare.js';
import { runClassification } from './runClassification.js';
import { startStageClock, timedModel, type RunContext, type StageClock } from './runInfo.js';
import { runRetrieval } from './runRetrieval.js';

export interface BenchRunOutput {
  readonly results: Results | RetrievalResults;
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
  const loaded = await clock.time('modelLoad', () => loadRunModel(config, cwd, cache));
  const model = timedModel(loaded, clock);
  try {
    const runId = newRunId();
    const context: RunContext = {
      runId,
      startedAt,
      model,
      seed: config.seed,
      batchSize: config.batchSize,
      threads: config.threads,
      cache: cache.session,
      onTruncated: hooks.onTruncated,
      clock,
    };
    const runDir = await createRunDir(config.out, runId);
    const results =
      dataset.task === 'retrieval'
        ? await runRetrieval({
            ...context,
            dataset,
            limit: config.limit,
            promptSets: promptSets.length > 0 ? promptSets : [captionsAsTheyAre()],
            ks: config.recallK,
          })
        : await runClassification({ ...context, dataset, subset: { limit: config.limit, perClass: config.perClass }, promptSets });
    const { resultsFile, report } = await clock.time('report', async () => {
      // results.json first: a report that fails or crashes must not cost the run's results.
      const resultsFile = await writeResults(runDir, results);
      await recordRunHistory(config.out, results, { cwd, onWarning: hooks.onWarning });
      // Imported here: the report's modules (sharp for thumbnails) are its own cost, and a run that
      // stops at an input error never pays for them; vega is already loaded on the chart worker.
      const { writeRunReport } = await import('../report/index.js');
      const report = await writeRunReport(results, runDir, {
        dataset,
        galleryLimit: hooks.galleryLimit,
        outDir: config.out,
        onWarning: hooks.onWarning,
        renderer: charts,
      });
      return { resultsFile, report };
    });
    // Written again, now that the report's time is known.
    const timed = withTimings(results, clock.timings(imageCount(results)));
    await writeResults(runDir, timed);
    return { results: timed, runDir, resultsFile, report };
  } finally {
    await model.dispose();
    await cache.close();
  }
}

function withTimings(results: Results | RetrievalResults, timings: RunTimings): Results | RetrievalResults {
  return results.task === 'retrieval' ? { ...results, run: { ...results.run, timings } } : { ...results, run: { ...results.run, timings } };
}

/** Images the run embedded, evaluated or unreadable. */
function imageCount(results: Results | RetrievalResults): number {
  return results.task === 'retrieval' ? results.run.dataset.imageCount : results.run.dataset.itemCount;
}
