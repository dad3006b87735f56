import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { loadDataset, SPLITS, type ClassificationDataset } from '../datasets/index.js';
import { InputError } from '../errors.js';
import { classificationView, reportExtras, writeReport, type ReportImages, type ReportOptions } from '../report/index.js';
import { MULTI_MODEL_VERSION, multiModelResultsSchema } from '../results/multiModelSchema.js';
import { resultsFileSchema, type RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import type { AnyResults } from '../results/views.js';
import { checkJson, isRecord, readJsonValue } from '../util/json.js';
import type { ReportFlags } from './report.js';

/** `bench report`: rebuilds a run's report files from its results.json. */
export async function reportCommand(target: string, flags: ReportFlags): Promise<void> {
  const cwd = process.cwd();
  const file = await resultsFile(path.resolve(cwd, target));
  const results = await readResults(file);
  const out = path.resolve(cwd, flags.out ?? path.dirname(file));
  await mkdir(out, { recursive: true });
  const written = await writeReport(
    results,
    out,
    results.task === 'retrieval'
      ? { images: retrievalImages(results, flags, cwd), galleryLimit: flags.galleryLimit }
      : await classificationOptions(classificationView(results), flags, { cwd, file }),
  );
  if (written.thumbnailNote !== null) process.stderr.write(`warning: ${written.thumbnailNote}\n`);
  process.stdout.write(`report: ${written.html}\nsummary: ${written.summary}\nmetrics: ${written.csv}\n`);
}

/**
 * The gallery's images and the extras, read off one model's results or, for several models, the
 * flat view: they share one dataset, and it carries the first model's run and the images all scored.
 */
async function classificationOptions(
  results: Results,
  flags: ReportFlags,
  { cwd, file }: { readonly cwd: string; readonly file: string },
): Promise<ReportOptions> {
  return {
    images: await classificationImages(results, flags, cwd),
    galleryLimit: flags.galleryLimit,
    // The run folder sits in the runs folder, beside the history.jsonl every run appends to.
    extras: reportExtras(results, {
      outDir: path.dirname(path.dirname(file)),
      onSkip: (line, reason) => process.stderr.write(`warning: history.jsonl line ${line} skipped (${reason})\n`),
    }),
  };
}

/** results.json names each image by its path in the images folder, so the caption file is not needed. */
function retrievalImages(results: RetrievalResults, flags: ReportFlags, cwd: string): ReportImages {
  return { imagesDir: path.resolve(cwd, flags.dataset ?? results.run.dataset.imagesDir) };
}

/**
 * The run's dataset loaded again for the gallery: --dataset if it moved (a path, or a descriptor
 * name in the config's datasetsDir, as `bench run` takes it), else where the run read it.
 */
async function classificationImages(results: Results, flags: ReportFlags, cwd: string): Promise<ReportImages> {
  if (flags.galleryLimit === 0 || results.items.length === 0) return { none: 'The gallery is empty' };
  const spec = flags.dataset ?? results.run.dataset.path;
  const { datasetsDir } = resolveRunConfig(cwd, {}, flags.config);
  const found = await reloadDataset(
    spec,
    results.items.map((item) => item.id),
    { cwd, datasetsDir },
  );
  return typeof found === 'string'
    ? { none: `The dataset could not be read from ${path.resolve(cwd, spec)} (${found})` }
    : { dataset: found };
}

/**
 * The dataset `spec` names that holds the most of `ids`, or why none could be read. results.json
 * records no split, but an IDX id names its split's file: each split is tried until one holds
 * every id (other formats have no splits and are loaded once).
 */
async function reloadDataset(
  spec: string,
  ids: readonly string[],
  options: { readonly cwd: string; readonly datasetsDir: string },
): Promise<ClassificationDataset | string> {
  let best: { readonly dataset: ClassificationDataset; readonly matched: number } | undefined;
  let failure: string | undefined;
  for (const split of SPLITS) {
    try {
      const dataset = await loadDataset(spec, { ...options, split });
      const matched = countMatched(dataset, ids);
      if (best === undefined || matched > best.matched) best = { dataset, matched };
      if (matched === ids.length || dataset.format !== 'idx') break;
    } catch (error) {
      // An IDX folder may hold only the other split; anything else fails the same way twice.
      failure ??= error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    }
  }
  return best?.dataset ?? failure ?? 'no images matched';
}

function countMatched(dataset: ClassificationDataset, ids: readonly string[]): number {
  const present = new Set(dataset.items.map((item) => item.id));
  return ids.filter((id) => present.has(id)).length;
}

async function resultsFile(target: string): Promise<string> {
  const info = await stat(target).catch(() => null);
  if (info === null) throw new InputError(`${target} does not exist; pass a results.json or the run folder holding it`);
  return info.isDirectory() ? path.join(target, 'results.json') : target;
}

/**
 * A file without `schemaVersion` is some other JSON: saying so beats listing every field it lacks.
 * Version 2 (several models) has its own schema; anything else is checked as version 1.
 */
async function readResults(file: string): Promise<AnyResults> {
  const fix = 'pass the results.json a run wrote';
  const value = await readJsonValue(file, { what: 'results file', fix });
  if (!isRecord(value) || !('schemaVersion' in value)) {
    throw new InputError(`${file} is not a ClipBench results.json (no "schemaVersion"); ${fix}`);
  }
  if (value.schemaVersion === MULTI_MODEL_VERSION) return checkJson(value, multiModelResultsSchema, file, { fix });
  return checkJson(value, resultsFileSchema, file, { fix });
}
