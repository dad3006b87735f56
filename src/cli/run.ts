import path from 'node:path';
import { Option, type Command } from 'commander';
import { resolveRunConfig } from '../config/config.js';
import { formatRetrievalTable } from '../results/retrievalTable.js';
import { formatResultsTable } from '../results/table.js';
import { CACHE_DIR_ENV } from '../cache/index.js';
import { benchRun } from '../run/benchRun.js';
import { withInterrupt } from './interrupt.js';
import { kList, nonNegativeInt, positiveInt } from './options.js';

interface RunFlags {
  prompts?: string[];
  dataset?: string;
  model?: string;
  dtype?: string;
  preprocess?: string;
  limit?: number;
  perClass?: number;
  seed?: number;
  batchSize?: number;
  threads?: number;
  out?: string;
  strict?: boolean;
  config?: string;
  cacheDir?: string;
  cache?: boolean;
  task?: string;
  images?: string;
  split?: string;
  recallK?: number[];
  galleryLimit?: number;
}

export function registerRun(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('score zero-shot classification, or image-text retrieval on a captioned set, for one or more prompt files')
    .option('-p, --prompts <file...>', 'prompt files (.hbs); several are compared side by side (optional for retrieval)')
    .option('-d, --dataset <spec>', 'class folders, a .csv/.tsv manifest, IDX files, COCO/Karpathy caption JSON, caption pairs, or a name from datasets/')
    .addOption(new Option('--task <task>', 'fail unless the dataset holds this task').choices(['classification', 'retrieval']))
    .option('--images <dir>', 'images folder of a caption file (default: its folder, then images/ beside it)')
    .option('--split <name>', 'IDX split (test, train) or Karpathy split (test, val, train, restval)')
    .option('--recall-k <ks>', 'k values of recall@k for retrieval (default 1,5,10)', kList)
    .option('-m, --model <hub id|dir>', 'a hub id (e.g. Xenova/clip-vit-base-patch32) or a local model folder')
    .addOption(new Option('--dtype <dtype>', 'ONNX weights to load').choices(['fp32', 'fp16', 'q8']))
    .addOption(new Option('--preprocess <mode>', 'clip: original OpenAI order; hf: transformers CLIPImageProcessor').choices(['clip', 'hf']))
    .option('--limit <n>', 'evaluate at most n items (a seeded, deterministic subset)', positiveInt)
    .option('--per-class <n>', 'evaluate at most n items per class', positiveInt)
    .option('--seed <s>', 'seed that picks the subset', nonNegativeInt)
    .option('--batch-size <b>', 'images or prompts per model call', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .option('-o, --out <dir>', 'where run folders are written (default: reports/)')
    .option('--strict', 'exit 1 when any image could not be read')
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .option('--cache-dir <dir>', `embedding cache folder (default: $${CACHE_DIR_ENV} or the user cache folder)`)
    .option('--no-cache', 'neither read nor write the embedding cache')
    .option('--gallery-limit <n>', 'images in the HTML report gallery (default 200; 0 for none)', nonNegativeInt)
    .action(async (flags: RunFlags) => {
      const cwd = process.cwd();
      const { config: configFile, prompts, cache, galleryLimit, ...settings } = flags;
      // commander sets cache=true unless --no-cache; only an explicit --no-cache overrides the config file.
      const config = resolveRunConfig(cwd, { ...settings, cache: cache === false ? false : undefined }, configFile);
      const { results, resultsFile, report } = await withInterrupt((signal) =>
        benchRun(config, prompts ?? [], cwd, {
          signal,
          galleryLimit,
          onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
          onTruncated: (prompt, set) => process.stderr.write(`warning: ${set}: prompt cut at the model's 77-token limit: "${prompt}"\n`),
        }),
      );
      const retrieval = results.task === 'retrieval';
      process.stdout.write(`${retrieval ? formatRetrievalTable(results) : formatResultsTable(results)}\n\n`);
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
      if (results.errors.length > 0) {
        process.stdout.write(`${results.errors.length} item(s) could not be read and were left out (listed under "errors" in results.json):\n`);
        for (const e of results.errors.slice(0, 10)) process.stdout.write(`  ${e.item}: ${e.reason}\n`);
        if (results.errors.length > 10) process.stdout.write(`  … and ${results.errors.length - 10} more\n`);
        if (config.strict) setExit(1);
      }
    });
}

/** Paths under the current folder are shown relative to it; others (and hub ids) as they are. */
function displayPath(p: string, cwd: string): string {
  if (!path.isAbsolute(p)) return p;
  const relative = path.relative(cwd, p);
  return relative.startsWith('..') ? p : relative;
}
