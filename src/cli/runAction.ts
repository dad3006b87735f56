import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { formatRetrievalTable } from '../results/retrievalTable.js';
import { contrastPromptSets } from '../compare/withinRun.js';
import { formatResultsTable, formatTemplateSummaries, formatTimings } from '../results/table.js';
import { benchRun } from '../run/benchRun.js';
import { formatModelTables } from '../results/modelTable.js';
import { modelKey } from '../config/models.js';
import { isMultiModel, modelViews, type AnyResults } from '../results/views.js';
import { holdFromEnvironment } from './hold.js';
import { withInterrupt } from './interrupt.js';
import type { RunFlags } from './run.js';

/** `bench run`: runs the benchmark and prints the tables, where the files went, and the timings. */
export async function runCommand(flags: RunFlags, setExit: (code: number) => void): Promise<void> {
  const cwd = process.cwd();
  const { config: configFile, prompts, cache, galleryLimit, model, dtype, index, ...settings } = flags;
  // commander sets cache=true unless --no-cache; only an explicit --no-cache overrides the config file.
  // --model and --dtype take lists, which replace the settings file's models/dtypes and model/dtype alike.
  const config = resolveRunConfig(
    cwd,
    { ...settings, models: model, dtypes: dtype, cache: cache === false ? false : undefined },
    configFile,
  );
  const { results, file, resultsFile, report } = await withInterrupt((signal) =>
    benchRun(config, prompts ?? [], cwd, {
      signal,
      galleryLimit,
      hold: holdFromEnvironment(),
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      onTruncated: (prompt, set, tokens) =>
        process.stderr.write(`warning: ${set}: prompt cut at the model's ${tokens}-token limit: "${prompt}"\n`),
    }),
  );
  const retrieval = results.task === 'retrieval';
  if (isMultiModel(file)) process.stdout.write(`${formatModelTables(file)}\n\n`);
  else process.stdout.write(`${retrieval ? formatRetrievalTable(results) : formatResultsTable(results, contrastPromptSets(results))}\n\n`);
  if (index !== undefined) {
    if (!retrieval) throw new InputError('--index measures retrieval through a vector index: it needs a captioned set');
    const { formatIndexRecall, indexRecallForRun } = await import('../vectorindex/runRecall.js');
    process.stdout.write(`${formatIndexRecall(await indexRecallForRun(config, cwd, index))}\n\n`);
  }
  for (const view of modelViews(file)) {
    const templates = formatTemplateSummaries(view);
    if (templates !== '')
      process.stdout.write(`${isMultiModel(file) ? `${modelKey(view.run.model.id, view.run.model.dtype)}: ` : ''}${templates}\n\n`);
  }
  const evaluated = retrieval
    ? `${results.images.length} images, ${results.captions.length} captions`
    : `${results.items.length} images, ${results.run.dataset.classNames.length} classes`;
  const caches = modelViews(file).map((view) => view.run.cache);
  const sum = (pick: (c: (typeof caches)[number]) => number): number => caches.reduce((n, c) => n + pick(c), 0);
  process.stdout.write(
    `embeddings: ${sum((c) => c.images.fromCache)} images and ${sum((c) => c.texts.fromCache)} prompts from the cache, ` +
      `${sum((c) => c.images.computed)} images and ${sum((c) => c.texts.computed)} prompts computed` +
      `${caches.length > 1 ? ` (${caches.length} models together)` : ''}\n`,
  );
  process.stdout.write(
    `${evaluated}, ${modelsLine(file, cwd)}, ${(file.run.durationMs / 1000).toFixed(1)}s\nresults: ${displayPath(resultsFile, cwd)}\n`,
  );
  if (report !== undefined) process.stdout.write(`report: ${displayPath(report.html, cwd)} (summary.md and metrics.csv beside it)\n`);
  if (file.run.timings !== undefined) process.stdout.write(`${formatTimings(file.run.timings)}\n`);
  if (results.errors.length > 0) {
    process.stdout.write(`${results.errors.length} item(s) could not be read and were left out (listed under "errors" in results.json):\n`);
    for (const e of results.errors.slice(0, 10)) process.stdout.write(`  ${e.item}: ${e.reason}\n`);
    if (results.errors.length > 10) process.stdout.write(`  … and ${results.errors.length - 10} more\n`);
    if (config.strict) setExit(1);
  }
}

function modelsLine(file: AnyResults, cwd: string): string {
  const views = modelViews(file);
  if (views.length > 1) return `${views.length} models`;
  return `model ${displayPath(views[0]!.run.model.id, cwd)} (${views[0]!.run.model.dtype})`;
}

/** Paths under the current folder are shown relative to it; others (and hub ids) as they are. */
function displayPath(p: string, cwd: string): string {
  if (!path.isAbsolute(p)) return p;
  const relative = path.relative(cwd, p);
  return relative.startsWith('..') ? p : relative;
}
