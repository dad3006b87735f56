import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { reportExtras, writeReport, writeRetrievalReport } from '../report/index.js';
import { resultsFileSchema, type RetrievalResults } from '../results/retrievalSchema.js';
import type { Results } from '../results/schema.js';
import { checkJson, isRecord, readJsonValue } from '../util/json.js';
import type { ReportFlags } from './report.js';

/** `bench report`: rebuilds a run's report files from its results.json. */
export async function reportCommand(target: string, flags: ReportFlags): Promise<void> {
  const cwd = process.cwd();
  const file = await resultsFile(path.resolve(cwd, target));
  const results = await readResults(file);
  const out = path.resolve(cwd, flags.out ?? path.dirname(file));
  await mkdir(out, { recursive: true });
  const datasetPath = flags.dataset === undefined ? undefined : path.resolve(cwd, flags.dataset);
  const written =
    results.task === 'retrieval'
      ? await writeRetrievalReport(results, out, { cwd, ...(datasetPath === undefined ? {} : { imagesDir: datasetPath }) })
      : await writeReport(results, out, {
          cwd,
          galleryLimit: flags.galleryLimit,
          datasetPath,
          // The run folder sits in the runs folder, beside the history.jsonl every run appends to.
          extras: reportExtras(results, {
            outDir: path.dirname(path.dirname(file)),
            onSkip: (line, reason) => process.stderr.write(`warning: history.jsonl line ${line} skipped (${reason})\n`),
          }),
        });
  if (written.thumbnailNote !== null) process.stderr.write(`warning: ${written.thumbnailNote}\n`);
  process.stdout.write(`report: ${written.html}\nsummary: ${written.summary}\nmetrics: ${written.csv}\n`);
}

async function resultsFile(target: string): Promise<string> {
  const info = await stat(target).catch(() => null);
  if (info === null) throw new InputError(`${target} does not exist; pass a results.json or the run folder holding it`);
  return info.isDirectory() ? path.join(target, 'results.json') : target;
}

/** A file without `schemaVersion` is some other JSON: saying so beats listing every field it lacks. */
async function readResults(file: string): Promise<Results | RetrievalResults> {
  const fix = 'pass the results.json a run wrote';
  const value = await readJsonValue(file, { what: 'results file', fix });
  if (!isRecord(value) || !('schemaVersion' in value)) {
    throw new InputError(`${file} is not a ClipBench results.json (no "schemaVersion"); ${fix}`);
  }
  return checkJson(value, resultsFileSchema, file, { fix });
}
