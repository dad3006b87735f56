import { rm } from 'node:fs/promises';
import path from 'node:path';
import { InterruptedError, openCache, type CacheHold, type OpenCache } from '../cache/index.js';
import { cacheSettings, type RunConfig } from '../config/config.js';
import { runModels } from '../config/models.js';
import { loadImageCollection, type ImageCollection } from '../datasets/index.js';
import { InputError } from '../errors.js';
import type { Vector } from '../metrics/index.js';
import type { ClipModel } from '../model/clipModel.js';
import { loadPromptSets, renderClassPrompts } from '../prompts/index.js';
import { createRunDir, newRunId } from '../results/write.js';
import { embedImages, type ItemError } from '../run/embedImages.js';
import { embedTexts } from '../run/embedTexts.js';
import { loadRunModel } from '../run/prepare.js';
import { createProgress } from '../run/progress.js';
import { writeFileAtomically, writeChunksAtomically } from '../util/atomicWrite.js';
import { labelClasses } from './classes.js';
import { jsonlLine, writeCsvFromJsonl, writeErrorsCsv } from './outputs.js';
import { ReviewTally, type LabelSummary } from './review.js';
import { createLabeller, type Labeller, type Thresholds } from './score.js';

export interface LabelSettings {
  readonly promptFile: string;
  /** One class name per line; absent: the prompt file's or the dataset's classes. */
  readonly classesFile?: string;
  readonly topK: number;
  readonly thresholds: Thresholds;
}

export interface LabelHooks {
  readonly onWarning?: (message: string) => void;
  /** Aborting stops after the batch in flight is stored (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Wait after this many stored image batches until aborted (CLIPBENCH_HOLD_AFTER_BATCHES, for tests). */
  readonly hold?: CacheHold;
}

export interface LabelOutput {
  readonly runDir: string;
  readonly collection: Pick<ImageCollection, 'name' | 'format' | 'root'>;
  readonly classNames: readonly string[];
  readonly imageCount: number;
  readonly summaries: readonly LabelSummary[];
  readonly errors: readonly ItemError[];
  readonly cache: { readonly images: CacheCounts; readonly texts: CacheCounts };
  /** labels.csv, labels.jsonl, errors.csv, label.json; index.html unless writing it failed (a warning says why). */
  readonly files: { readonly csv: string; readonly jsonl: string; readonly errors: string; readonly info: string; readonly html?: string };
  readonly durationMs: number;
}

export interface CacheCounts {
  readonly fromCache: number;
  readonly computed: number;
}

/** Images embedded, scored and written at a time: only this many embeddings are ever held. */
const CHUNK = 1000;
/** Images per list (most and least confident) per label on the page. */
const SHOWN_PER_LIST = 12;

/**
 * `bench label`: zero-shot labels for every image of a collection, chunk by chunk through the
 * embedding cache, so memory stays flat and a stopped run resumes where it stopped. Inputs are
 * checked before the model loads.
 */
export async function benchLabel(config: RunConfig, settings: LabelSettings, cwd: string, hooks: LabelHooks = {}): Promise<LabelOutput> {
  const startedAt = Date.now();
  const [set] = await loadPromptSets([settings.promptFile]);
  if (set!.templates.some((t) => t.variables.includes('caption')))
    throw new InputError(`${set!.file}: {{caption}} has no place in labelling; use {{label}}`);
  const collection = await loadImageCollection(config.dataset, {
    cwd,
    datasetsDir: config.datasetsDir,
    split: config.split ?? undefined,
    images: config.images ?? undefined,
  });
  const classNames = await labelClasses(settings.classesFile, set!, collection);
  const prompts = renderClassPrompts(set!, classNames);
  const specs = runModels(config);
  if (specs.length > 1) throw new InputError(`bench label takes one model; ${specs.length} were given`);
  const cache = await openCache({
    ...cacheSettings(config),
    signal: hooks.signal,
    onWarning: hooks.onWarning,
    hold: hooks.hold,
  });
  let runDir: string | undefined;
  try {
    const model = await loadRunModel({ ...config, model: specs[0]!.id, dtype: specs[0]!.dtype }, cwd, cache);
    const texts = await embedTexts(model, prompts.flat(), config.batchSize, cache.session);
    const promptEmbeddings = prompts.map((perClass) => perClass.map((p) => texts.byText.get(p)!));
    const labeller = createLabeller({ classNames, promptEmbeddings, ensemble: set!.ensemble, head: model.head, ...settings });
    runDir = await createRunDir(config.out, `label-${newRunId()}`);
    const files = {
      csv: path.join(runDir, 'labels.csv'),
      jsonl: path.join(runDir, 'labels.jsonl'),
      errors: path.join(runDir, 'errors.csv'),
      info: path.join(runDir, 'label.json'),
    };
    const tally = new ReviewTally(classNames, SHOWN_PER_LIST);
    const pass: Pass = { errors: [], fromCache: 0, computed: 0 };
    await writeChunksAtomically(files.jsonl, labelChunks(model, collection, labeller, tally, pass, { config, cache }));
    await writeCsvFromJsonl(files.jsonl, files.csv, Math.min(settings.topK, classNames.length));
    await writeErrorsCsv(files.errors, pass.errors);
    const summaries = tally.summaries();
    const output = {
      runDir,
      collection: { name: collection.name, format: collection.format, root: collection.root },
      classNames,
      imageCount: collection.images.length,
      summaries,
      errors: pass.errors,
      cache: {
        images: { fromCache: pass.fromCache, computed: pass.computed },
        texts: { fromCache: texts.fromCache, computed: texts.computed },
      },
      durationMs: Date.now() - startedAt,
    };
    const info = {
      ...output,
      summaries: summaries.map(({ label, count, uncertain }) => ({ label, count, uncertain })),
      model: specs[0],
      promptFile: set!.file,
      settings,
    };
    await writeFileAtomically(files.info, `${JSON.stringify({ ...info, files }, null, 2)}\n`);
    const html = await writePageOrWarn(runDir, collection, output, hooks);
    return { ...output, files: { ...files, html } };
  } catch (error) {
    // A run folder without its labels is no use to anyone; the embeddings it computed stay in the cache.
    if (runDir !== undefined) await rm(runDir, { recursive: true, force: true });
    throw error;
  } finally {
    await cache.close();
  }
}

interface Pass {
  readonly errors: ItemError[];
  fromCache: number;
  computed: number;
}

/** labels.jsonl's text, one chunk of images at a time: embed (cached), score, tally, drop. */
async function* labelChunks(
  model: ClipModel,
  collection: ImageCollection,
  labeller: Labeller,
  tally: ReviewTally,
  pass: Pass,
  { config, cache }: { config: RunConfig; cache: OpenCache },
): AsyncGenerator<string> {
  const { images } = collection;
  const progress = createProgress({ label: 'images', total: images.length });
  for (let start = 0; start < images.length; start += CHUNK) {
    const chunk = images.slice(start, start + CHUNK);
    const embedded = await embedImages(model, chunk, config.batchSize, cache.session, { progress }).catch((error: unknown) => {
      // Each chunk counts only its own work; the message should count the whole run's.
      throw error instanceof InterruptedError ? new InterruptedError(pass.computed + error.kept) : error;
    });
    pass.fromCache += embedded.fromCache;
    pass.computed += embedded.computed;
    pass.errors.push(...embedded.errors);
    const kept = chunk.flatMap((_, i) => (embedded.embeddings[i] ? [i] : []));
    const rows = labeller.label(
      kept.map((i) => chunk[i]!.id),
      kept.map((i): Vector => embedded.embeddings[i]!),
    );
    rows.forEach((row, j) => tally.add(row, start + kept[j]!));
    yield rows.map(jsonlLine).join('');
  }
  progress.done();
}

async function writePageOrWarn(
  runDir: string,
  collection: ImageCollection,
  output: Omit<LabelOutput, 'files'>,
  hooks: LabelHooks,
): Promise<string | undefined> {
  try {
    // Imported here: the page's modules (sharp for thumbnails) load only once the labels are written.
    const { writeLabelPage } = await import('./page.js');
    return await writeLabelPage(runDir, collection, output);
  } catch (error) {
    hooks.onWarning?.(`index.html was not written: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
