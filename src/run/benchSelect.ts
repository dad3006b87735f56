import path from 'node:path';
import type { RunConfig } from '../config/config.js';
import { holdoutSplit, type HoldoutSplit } from '../datasets/index.js';
import type { ClassificationDataset } from '../datasets/types.js';
import { InputError } from '../errors.js';
import { greedySelection, zeroShotDetails, type GreedySelection, type Vector } from '../metrics/index.js';
import { renderTemplatePrompts, subsetPromptFile, type PromptSet } from '../prompts/index.js';
import type { Contender, Selection, SelectionContrast } from '../results/selectionSchema.js';
import { SELECTION_VERSION } from '../results/selectionSchema.js';
import { createRunDir, newRunId, prettyJsonChunks } from '../results/write.js';
import { pairedAcc1 } from '../stats/index.js';
import { writeChunksAtomically, writeFileAtomically } from '../util/atomicWrite.js';
import type { BenchRunHooks } from './benchRun.js';
import { embedImages, type ItemError } from './embedImages.js';
import { embedTexts } from './embedTexts.js';
import { loadRunModel, prepareInputs } from './prepare.js';
import { runInfo } from './runInfo.js';
import type { CacheSession } from '../cache/index.js';
import type { ClipModel } from '../model/clipModel.js';
import type { RunInfo } from '../results/schema.js';

export interface SelectOptions {
  /** The pool: a prompt file with several templates. */
  readonly poolFile: string;
  readonly maxTemplates: number;
  /** Share of each class held out, between 0 and 1. */
  readonly heldOut: number;
  /** Where the selected .hbs goes (default: `<pool>.selected.hbs` in the run folder). */
  readonly outFile?: string;
}

export interface BenchSelectOutput {
  readonly selection: Selection;
  readonly runDir: string;
  readonly files: { readonly json: string; readonly hbs: string; readonly html?: string };
}

/**
 * `bench select` as a function: embeds the pool's prompts and the images (through the cache),
 * splits the images per class, chooses an ensemble greedily on one half and judges it, the whole
 * pool and the best single template on the other. Writes selection.json and the report page to
 * a run folder, and the selected templates as a prompt file.
 */
export async function benchSelect(
  config: RunConfig,
  options: SelectOptions,
  cwd: string,
  hooks: Pick<BenchRunHooks, 'onWarning' | 'signal'> = {},
): Promise<BenchSelectOutput> {
  const startedAt = Date.now();
  const { promptSets, dataset, cache } = await prepareInputs(config, [options.poolFile], cwd, hooks);
  try {
    if (dataset.task !== 'classification') {
      throw new InputError(`bench select chooses templates for classification; ${dataset.root} is a ${dataset.task} dataset`);
    }
    const pool = checkPool(promptSets[0]!, options);
    const model = await loadRunModel(config, cwd, cache);
    try {
      return await select({ config, options, cwd, hooks, pool, dataset, model, cache: cache.session, startedAt });
    } finally {
      await model.dispose();
    }
  } finally {
    await cache.close();
  }
}

interface SelectContext {
  readonly config: RunConfig;
  readonly options: SelectOptions;
  readonly cwd: string;
  readonly hooks: Pick<BenchRunHooks, 'onWarning' | 'signal'>;
  readonly pool: PromptSet;
  readonly dataset: ClassificationDataset;
  readonly model: ClipModel;
  readonly cache: CacheSession;
  readonly startedAt: number;
}

async function select(context: SelectContext): Promise<BenchSelectOutput> {
  const { config, options, pool, dataset, model, hooks } = context;
  const byTemplate = renderTemplatePrompts(pool, dataset.classNames);
  const texts = await embedTexts(model, byTemplate.flat(2), config.batchSize, context.cache);
  const images = await embedImages(model, dataset.items, config.batchSize, context.cache);
  const kept = dataset.items.flatMap((item, i) => (images.embeddings[i] ? [{ item, embedding: images.embeddings[i] }] : []));
  const embeddings: Embedded = {
    images: kept.map((k) => k.embedding),
    targets: kept.map((k) => k.item.label),
    templates: byTemplate.map((perClass) => perClass.map((prompts) => prompts.map((p) => texts.byText.get(p)!))),
  };
  const split = holdoutSplit(
    kept.map((k) => k.item),
    { heldOut: options.heldOut, seed: config.seed },
  );
  if (split.selection.length === 0 || split.heldOut.length === 0) {
    throw new InputError(`${kept.length} images cannot be split into two non-empty halves; use more images or another --holdout`);
  }
  const greedy = greedySelection({ ...embeddingsInput(embeddings), ...split, mode: pool.ensemble, maxTemplates: options.maxTemplates });
  const runId = newRunId();
  const runDir = await createRunDir(config.out, runId);
  const hbs = options.outFile === undefined ? path.join(runDir, `${pool.name}.selected.hbs`) : path.resolve(context.cwd, options.outFile);
  const info = await runInfo(
    {
      runId,
      startedAt: context.startedAt,
      model,
      seed: config.seed,
      batchSize: config.batchSize,
      threads: config.threads,
      cache: context.cache,
    },
    { images, texts },
  );
  const selection = selectionResult({ ...context, info, embeddings, split, greedy, hbs, errors: images.errors });
  const selectedLines = selection.contenders.find((c) => c.name === 'selected')!.lines;
  await writeFileAtomically(hbs, await subsetPromptFile(pool, selectedLines, hbs, provenance(selection)));
  const json = path.join(runDir, 'selection.json');
  await writeChunksAtomically(json, prettyJsonChunks(selection));
  return { selection, runDir, files: { json, hbs, ...(await writePage(selection, runDir, hooks)) } };
}

function checkPool(pool: PromptSet, options: SelectOptions): PromptSet {
  if (pool.classPrompts !== undefined) {
    throw new InputError(`${pool.file}: a per-class prompt file has no templates to choose among; give a .hbs pool with several templates`);
  }
  if (pool.templates.length < 2) throw new InputError(`${pool.file}: the pool has one template; selection needs at least two`);
  if (!(options.heldOut > 0 && options.heldOut < 1)) throw new InputError(`--holdout must be between 0 and 1 (got ${options.heldOut})`);
  return pool;
}

/** The run's embeddings, images kept in dataset order. */
interface Embedded {
  readonly images: readonly Vector[];
  readonly targets: readonly number[];
  /** [template][class][prompt]. */
  readonly templates: readonly (readonly (readonly Vector[])[])[];
}

function embeddingsInput(e: Embedded): {
  imageEmbeddings: readonly Vector[];
  templates: Embedded['templates'];
  targets: readonly number[];
} {
  return { imageEmbeddings: e.images, templates: e.templates, targets: e.targets };
}

interface SelectionParts extends SelectContext {
  readonly info: Omit<RunInfo, 'dataset'>;
  readonly embeddings: Embedded;
  readonly split: HoldoutSplit;
  readonly greedy: GreedySelection;
  readonly hbs: string;
  readonly errors: readonly ItemError[];
}

function selectionResult(parts: SelectionParts): Selection {
  const { config, options, pool, dataset, embeddings, split, greedy } = parts;
  const chosen = greedy.path.slice(0, greedy.selectedCount).map((s) => s.template);
  const scored = [
    contender('selected', chosen, parts),
    contender(
      'pool',
      pool.templates.map((_, t) => t),
      parts,
    ),
    contender('bestSingle', [greedy.path[0]!.template], parts),
  ];
  const correct = scored.map((c) => c.heldOutCorrect);
  return {
    selectionVersion: SELECTION_VERSION,
    run: {
      ...parts.info,
      dataset: {
        name: dataset.name,
        format: dataset.format,
        path: dataset.root,
        itemCount: embeddings.images.length,
        classNames: dataset.classNames,
        limit: config.limit,
        perClass: config.perClass,
      },
      pool: {
        file: pool.file,
        name: pool.name,
        templates: pool.templates.map((t) => ({ line: t.line, template: t.source })),
        ensemble: pool.ensemble,
      },
      heldOutShare: options.heldOut,
      maxTemplates: options.maxTemplates,
      split: { selection: split.selection.length, heldOut: split.heldOut.length },
    },
    path: greedy.path.map((step, i) => ({
      line: pool.templates[step.template]!.line,
      template: pool.templates[step.template]!.source,
      selectionAcc1: step.selectionAcc1,
      heldOutAcc1: step.heldOutAcc1,
      selected: i < greedy.selectedCount,
    })),
    stoppedBecause: stopReason(greedy, options.maxTemplates),
    contenders: scored.map((c) => c.contender),
    contrasts: (['pool', 'bestSingle'] as const).map((against, i) => contrast(against, correct[i + 1]!, correct[0]!)),
    selectedFile: parts.hbs,
    errors: parts.errors.map((e) => ({ item: e.item, reason: e.reason })),
  };
}

function stopReason(greedy: GreedySelection, maxTemplates: number): Selection['stoppedBecause'] {
  if (greedy.selectedCount === greedy.path.length) return 'pool-exhausted';
  return greedy.selectedCount === maxTemplates ? 'max-templates' : 'no-improvement';
}

/** A contender's metrics on both halves, computed with the classifier itself (as `bench run` would). */
function contender(
  name: Contender['name'],
  templates: readonly number[],
  parts: SelectionParts,
): { contender: Contender; heldOutCorrect: boolean[] } {
  const { embeddings, split, pool } = parts;
  const promptEmbeddings = parts.dataset.classNames.map((_, c) => templates.flatMap((t) => embeddings.templates[t]![c]!));
  const on = (indices: readonly number[]) =>
    zeroShotDetails({
      imageEmbeddings: indices.map((i) => embeddings.images[i]!),
      promptEmbeddings,
      targets: indices.map((i) => embeddings.targets[i]!),
      mode: pool.ensemble,
    });
  const selection = on(split.selection);
  const heldOut = on(split.heldOut);
  const metrics = (d: typeof heldOut) => ({ acc1: d.acc1, acc5: d.acc5, mean_per_class_recall: d.mean_per_class_recall });
  return {
    contender: { name, lines: templates.map((t) => pool.templates[t]!.line), selection: metrics(selection), heldOut: metrics(heldOut) },
    heldOutCorrect: heldOut.targetRanks.map((r) => r === 0),
  };
}

function contrast(against: SelectionContrast['against'], other: readonly boolean[], selected: readonly boolean[]): SelectionContrast {
  const { delta, interval, pValue, lost, gained, significant } = pairedAcc1(other, selected);
  return { against, delta, interval: { lo: interval.lo, hi: interval.hi }, pValue, lost, gained, significant };
}

/** The comment block at the top of the selected .hbs: enough to redo the selection and to judge it. */
function provenance(s: Selection): string[] {
  const held = (name: Contender['name']) => s.contenders.find((c) => c.name === name)!.heldOut.acc1;
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  return [
    `Selected by bench select (ClipBench ${s.run.toolVersion}) on ${s.run.createdAt}.`,
    `pool: ${s.run.pool.file} (${s.run.pool.templates.length} templates, ${s.run.pool.ensemble} ensemble)`,
    `dataset: ${s.run.dataset.path} (${s.run.dataset.itemCount} images); model: ${s.run.model.id} (${s.run.model.dtype})`,
    `seed ${s.run.seed}, held-out share ${s.run.heldOutShare}: ${s.run.split.selection} images to select on, ${s.run.split.heldOut} held out`,
    `held-out acc1: selected ${pct(held('selected'))}, whole pool ${pct(held('pool'))}, best single template ${pct(held('bestSingle'))}`,
    '',
  ];
}

/** The report page; a failure is a warning, since selection.json and the .hbs are already written. */
async function writePage(selection: Selection, runDir: string, hooks: Pick<BenchRunHooks, 'onWarning'>): Promise<{ html?: string }> {
  try {
    const { writeSelectionReport } = await import('../report/selectionReport.js');
    return { html: await writeSelectionReport(selection, runDir) };
  } catch (error) {
    hooks.onWarning?.(`the selection report could not be written: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
}
