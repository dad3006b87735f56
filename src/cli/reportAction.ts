import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { reportExtras, writeReport, writeRetrievalReport } from '../report/index.js';
import type { RetrievalResults } from '../results/retrievalSchema.js';
import { SCHEMA_VERSION, type Results } from '../results/schema.js';
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

async function readResults(file: string): Promise<Results | RetrievalResults> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new InputError(`cannot read ${file}: ${reason}; pass the results.json a run wrote`);
  }
  const r = parsed as (Partial<Omit<Results, 'task'>> & { task?: string; images?: unknown; captions?: unknown }) | null;
  if (r !== null && typeof r === 'object' && r.task === 'retrieval') {
    if (r.schemaVersion !== SCHEMA_VERSION || !Array.isArray(r.promptSets) || !Array.isArray(r.images) || !Array.isArray(r.captions)) {
      throw new InputError(
        `${file} is not a ClipBench retrieval results.json (schemaVersion ${SCHEMA_VERSION} with promptSets, images and captions)`,
      );
    }
    return r as unknown as RetrievalResults;
  }
  if (
    r === null ||
    typeof r !== 'object' ||
    r.schemaVersion !== SCHEMA_VERSION ||
    !Array.isArray(r.promptSets) ||
    !Array.isArray(r.items)
  ) {
    throw new InputError(`${file} is not a ClipBench results.json (schemaVersion ${SCHEMA_VERSION} with promptSets and items)`);
  }
  return r as unknown as Results;
}
