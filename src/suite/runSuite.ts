import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, resolveRunConfig, type RunConfig } from '../config/config.js';
import { modelKey, runModels } from '../config/models.js';
import { createRunDir, newRunId, prettyJsonChunks } from '../results/write.js';
import { isMultiModel, modelViews } from '../results/views.js';
import { benchRun, SeveralModelsOnRetrievalError, type BenchRunHooks, type BenchRunOutput } from '../run/benchRun.js';
import { writeChunksAtomically, writeFileAtomically } from '../util/atomicWrite.js';
import { readJson } from '../util/json.js';
import { TOOL_VERSION } from '../version.js';
import { leaderboardCsv, leaderboardMarkdown } from './leaderboard.js';
import { leaderboardPage } from './leaderboardPage.js';
import { SUITE_RESULT_KIND, SUITE_RESULT_VERSION, type SuiteCell, type SuiteResult } from '../results/suiteSchema.js';
import { suiteFileSchema, type SuiteFile } from './schema.js';

export interface SuiteOptions {
  readonly suiteFile: string;
  readonly cwd: string;
  /** Settings file (default: bench.config.json in cwd, when there is one). */
  readonly configFile?: string;
  /** Where the suite folder goes (default: the settings' `out`, i.e. reports/). */
  readonly out?: string;
  /** Called before each dataset's run, with its position. */
  readonly onDataset?: (name: string, index: number, count: number) => void;
}

export interface SuiteOutput {
  readonly result: SuiteResult;
  readonly dir: string;
  readonly files: { readonly json: string; readonly csv: string; readonly markdown: string; readonly html: string };
}

/**
 * `bench suite`: runs every dataset of a suite file with every model, one `bench run` each (their
 * folders under `<suite folder>/runs/`, each with its own report), then writes the leaderboard
 * beside them. Resumable: the embeddings of an interrupted suite are in the cache, so a rerun
 * computes only what is missing.
 */
export async function benchSuite(options: SuiteOptions, hooks: BenchRunHooks = {}): Promise<SuiteOutput> {
  const started = Date.now();
  const file = path.resolve(options.cwd, options.suiteFile);
  const suite = await readJson(file, suiteFileSchema, { what: 'suite file' });
  const base = path.dirname(file);
  const configFile = settingsFile(options);
  const out = options.out === undefined ? resolveRunConfig(options.cwd, {}, configFile).out : path.resolve(options.cwd, options.out);
  const dir = await createRunDir(out, `suite-${newRunId()}`);
  const datasets: SuiteResult['datasets'][number][] = [];
  for (const [index, entry] of suite.datasets.entries()) {
    const name = entry.name ?? entry.dataset;
    options.onDataset?.(name, index, suite.datasets.length);
    const config = resolveRunConfig(base, { ...runSettings(suite, entry), out: path.join(dir, 'runs') }, configFile);
    const prompts = (entry.prompts ?? suite.prompts ?? []).map((p) => path.resolve(base, p));
    const runs = await runDataset(config, prompts, base, hooks);
    const cells = runs.flatMap((run) => cellsOf(run, dir));
    datasets.push({ name, task: modelViews(runs[0]!.file)[0]!.task === 'retrieval' ? 'retrieval' : 'classification', cells });
  }
  const models = [...new Set(datasets.flatMap((d) => d.cells.map((c) => c.model)))];
  const result: SuiteResult = {
    kind: SUITE_RESULT_KIND,
    suiteVersion: SUITE_RESULT_VERSION,
    name: suite.name,
    file,
    createdAt: new Date(started).toISOString(),
    toolVersion: TOOL_VERSION,
    durationMs: Date.now() - started,
    models,
    datasets,
    means: models.map((model) => ({
      model,
      classification: meanScore(datasets, model, 'classification'),
      retrieval: meanScore(datasets, model, 'retrieval'),
    })),
  };
  return { result, dir, files: await writeSuite(result, dir) };
}

function settingsFile(options: SuiteOptions): string | undefined {
  if (options.configFile !== undefined) return path.resolve(options.cwd, options.configFile);
  const here = path.join(options.cwd, CONFIG_FILE);
  return existsSync(here) ? here : undefined;
}

/** The run settings a suite entry sets; everything else comes from the settings file. */
function runSettings(suite: SuiteFile, entry: SuiteFile['datasets'][number]): Record<string, unknown> {
  return {
    dataset: entry.dataset,
    models: suite.models,
    classnames: entry.classnames,
    split: entry.split,
    limit: entry.limit,
    perClass: entry.perClass,
  };
}

/** One run of every model; a captioned set, which takes one model per run, one run per model. */
async function runDataset(config: RunConfig, prompts: readonly string[], base: string, hooks: BenchRunHooks): Promise<BenchRunOutput[]> {
  try {
    return [await benchRun(config, prompts, base, hooks)];
  } catch (error) {
    if (!(error instanceof SeveralModelsOnRetrievalError)) throw error;
  }
  const runs: BenchRunOutput[] = [];
  for (const spec of runModels(config))
    runs.push(await benchRun({ ...config, models: [`${spec.id}@${spec.dtype}`] }, prompts, base, hooks));
  return runs;
}

/** One cell per model of a run: its scores on the dataset's first prompt set, and where the run is. */
function cellsOf(run: BenchRunOutput, dir: string): SuiteCell[] {
  const { file } = run;
  const keys = isMultiModel(file) ? file.models.map((m) => m.key) : [modelKey(file.run.model.id, file.run.model.dtype)];
  return modelViews(file).map((view, i) => {
    const set = view.promptSets[0]!;
    const metrics: Record<string, number | null> = { ...set.metrics };
    return {
      model: keys[i]!,
      promptSet: set.name,
      metrics,
      score: view.task === 'retrieval' ? retrievalScore(metrics) : (metrics.acc1 ?? 0),
      results: path.relative(dir, run.resultsFile),
      report: path.relative(dir, path.join(run.runDir, 'index.html')),
    };
  });
}

/** The mean of image and text recall@5, as CLIP_benchmark's retrieval summary; the largest k when 5 was not asked for. */
function retrievalScore(metrics: Readonly<Record<string, number | null>>): number {
  const ks = Object.keys(metrics)
    .flatMap((k) => /@(\d+)$/.exec(k)?.[1] ?? [])
    .map(Number);
  const k = ks.includes(5) ? 5 : Math.max(...ks);
  return ((metrics[`image_retrieval_recall@${k}`] ?? 0) + (metrics[`text_retrieval_recall@${k}`] ?? 0)) / 2;
}

function meanScore(datasets: SuiteResult['datasets'], model: string, task: 'classification' | 'retrieval'): number | null {
  const scores = datasets.filter((d) => d.task === task).flatMap((d) => d.cells.filter((c) => c.model === model).map((c) => c.score));
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}

async function writeSuite(result: SuiteResult, dir: string): Promise<SuiteOutput['files']> {
  const files = {
    json: path.join(dir, 'suite.json'),
    csv: path.join(dir, 'leaderboard.csv'),
    markdown: path.join(dir, 'leaderboard.md'),
    html: path.join(dir, 'index.html'),
  };
  await writeChunksAtomically(files.json, prettyJsonChunks(result));
  await Promise.all([
    writeFileAtomically(files.csv, leaderboardCsv(result)),
    writeFileAtomically(files.markdown, leaderboardMarkdown(result)),
    writeFileAtomically(files.html, leaderboardPage(result)),
  ]);
  return files;
}
