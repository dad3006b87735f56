import path from 'node:path';
import type { CacheHold } from '../cache/index.js';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { formatRetrievalTable } from '../results/retrievalTable.js';
import { contrastPromptSets } from '../compare/withinRun.js';
import { formatResultsTable, formatTemplateSummaries, formatTimings } from '../results/table.js';
import { benchRun } from '../run/benchRun.js';
import { withInterrupt } from './interrupt.js';
import type { RunFlags } from './run.js';

/** `bench run`: runs the benchmark and prints the tables, where the files went, and the timings. */
export async function runCommand(flags: RunFlags, setExit: (code: number) => void): Promise<void> {
  const cwd = process.cwd();
  const { config: configFile, prompts, cache, galleryLimit, ...settings } = flags;
  // commander sets cache=true unless --no-cache; only an explicit --no-cache overrides the config file.
  const config = resolveRunConfig(cwd, { ...settings, cache: cache === false ? false : undefined }, configFile);
  const { results, resultsFile, report } = await withInterrupt((signal) =>
    benchRun(config, prompts ?? [], cwd, {
      signal,
      galleryLimit,
      hold: holdFromEnvironment(process.env[HOLD_ENV]),
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      onTruncated: (prompt, set, tokens) =>
        process.stderr.write(`warning: ${set}: prompt cut at the model's ${tokens}-token limit: "${prompt}"\n`),
    }),
  );
  const retrieval = results.task === 'retrieval';
  process.stdout.write(`${retrieval ? formatRetrievalTable(results) : formatResultsTable(results, contrastPromptSets(results))}\n\n`);
  const templates = formatTemplateSummaries(results);
  if (templates !== '') process.stdout.write(`${templates}\n\n`);
  const evaluated = retrieval
    ? `${results.images.length} images, ${results.captions.length} captions`
    : `${results.items.length} images, ${results.run.dataset.classNames.length} classes`;
  const { images, texts } = results.run.cache;
  process.stdout.write(
    `embeddings: ${images.fromCache} images and ${texts.fromCache} prompts from the cache, ` +
      `${images.computed} images and ${texts.computed} prompts computed\n`,
  );
  process.stdout.write(
    `${evaluated}, model ${displayPath(results.run.model.id, cwd)} ` +
      `(${results.run.model.dtype}), ${(results.run.durationMs / 1000).toFixed(1)}s\nresults: ${displayPath(resultsFile, cwd)}\n`,
  );
  if (report !== undefined) process.stdout.write(`report: ${displayPath(report.html, cwd)} (summary.md and metrics.csv beside it)\n`);
  if (results.run.timings !== undefined) process.stdout.write(`${formatTimings(results.run.timings)}\n`);
  if (results.errors.length > 0) {
    process.stdout.write(`${results.errors.length} item(s) could not be read and were left out (listed under "errors" in results.json):\n`);
    for (const e of results.errors.slice(0, 10)) process.stdout.write(`  ${e.item}: ${e.reason}\n`);
    if (results.errors.length > 10) process.stdout.write(`  … and ${results.errors.length - 10} more\n`);
    if (config.strict) setExit(1);
  }
}

/** A testing and debugging aid: after committing this many image batches, wait for Ctrl-C or a kill. */
const HOLD_ENV = 'CLIPBENCH_HOLD_AFTER_BATCHES';

function holdFromEnvironment(value: string | undefined): CacheHold | undefined {
  if (value === undefined || value === '') return undefined;
  const batches = Number(value);
  if (!Number.isSafeInteger(batches) || batches < 1) {
    throw new InputError(`${HOLD_ENV} must be a positive whole number of image batches, got "${value}"`);
  }
  return { kind: 'image', afterBatches: batches };
}

/** Paths under the current folder are shown relative to it; others (and hub ids) as they are. */
function displayPath(p: string, cwd: string): string {
  if (!path.isAbsolute(p)) return p;
  const relative = path.relative(cwd, p);
  return relative.startsWith('..') ? p : relative;
}
