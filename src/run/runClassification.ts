import type { ClassificationDataset } from '../datasets/types.js';
import type { LogitHead } from '../model/types.js';
import { classProbabilities, zeroShotDetails, type ClassificationDetails, type ClassificationMetrics } from '../metrics/index.js';
import { renderClassPrompts, renderTemplatePrompts, type PromptSet, type PromptTemplate } from '../prompts/index.js';
import type { ItemResult, PromptSetResult, Results, RunInfo, TemplateResult } from '../results/schema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { embedImages, type ImageEmbeddings } from './embedImages.js';
import { embedTexts } from './embedTexts.js';
import { runInfo, timeStage, type RunContext } from './runInfo.js';

export interface ClassificationRunOptions extends RunContext {
  readonly dataset: ClassificationDataset;
  readonly subset: { readonly limit: number | null; readonly perClass: number | null };
  readonly promptSets: readonly PromptSet[];
  /** The items' image embeddings, when a caller already has them (several models share one image stage). */
  readonly images?: ImageEmbeddings;
}

const TOP_K = 5;

/** Embeds images once and every prompt set's prompts, then scores each prompt set on the same images. */
export async function runClassification(options: ClassificationRunOptions): Promise<Results> {
  return (await classifyWithEmbeddings(options)).results;
}

/** A run's results and the image embeddings behind them, by item id (what a dtype check compares). */
export interface ClassificationOutput {
  readonly results: Results;
  readonly imageEmbeddings: ReadonlyMap<string, Float32Array>;
}

export async function classifyWithEmbeddings(options: ClassificationRunOptions): Promise<ClassificationOutput> {
  const { dataset, model, promptSets } = options;
  const rendered = promptSets.map((set) => renderClassPrompts(set, dataset.classNames));
  const texts = await timeStage(options, 'textEmbedding', () => embedTexts(model, rendered.flat(2), options.batchSize, options.cache));
  const images =
    options.images ??
    (await timeStage(options, 'imageEmbedding', () => embedImages(model, dataset.items, options.batchSize, options.cache)));
  return timeStage(options, 'metrics', async () => {
    const kept = dataset.items.flatMap((item, i) => (images.embeddings[i] ? [{ item, embedding: images.embeddings[i] }] : []));
    const imageEmbeddings = kept.map((k) => k.embedding);
    const targets = kept.map((k) => k.item.label);
    const lookup = (prompts: readonly string[][]) => prompts.map((perClass) => perClass.map((p) => texts.byText.get(p)!));
    // One scoring for a whole set and for each template alone, so a template's scores are exactly
    // those of a one-line file holding it.
    const score = (prompts: readonly string[][], mode: PromptSet['ensemble']): ClassificationDetails =>
      zeroShotDetails({ imageEmbeddings, promptEmbeddings: lookup(prompts), targets, mode });
    const details = rendered.map((prompts, s) => score(prompts, promptSets[s]!.ensemble));
    const setResults = promptSets.map((set, s) => {
      const byTemplate = set.templates.length === 1 ? [] : renderTemplatePrompts(set, dataset.classNames);
      const perTemplate = set.templates.map((template, t) =>
        templateResult(template, set.templates.length === 1 ? details[s]! : score(byTemplate[t]!, set.ensemble)),
      );
      return { ...promptSetResult(set, rendered[s]!, details[s]!, dataset.classNames, texts.truncated), perTemplate };
    });
    setResults.forEach((r) => r.truncatedPrompts.forEach((p) => options.onTruncated?.(p, r.name, texts.contextLength)));
    const results: Results = {
      schemaVersion: SCHEMA_VERSION,
      task: 'classification',
      run: { ...(await runInfo(options, { images, texts })), dataset: datasetInfo(options) },
      promptSets: setResults,
      items: kept.map((k, i) =>
        itemResult(k.item.id, dataset.classNames[k.item.label]!, i, setResults, details, dataset.classNames, model.head),
      ),
      errors: images.errors,
    };
    return { results, imageEmbeddings: new Map(kept.map((k) => [k.item.id, k.embedding])) };
  });
}

function promptSetResult(
  set: PromptSet,
  prompts: readonly string[][],
  details: ClassificationDetails,
  classNames: readonly string[],
  truncated: ReadonlySet<string>,
): PromptSetResult {
  return {
    name: set.name,
    file: set.file,
    templates: set.templates.map((t) => t.source),
    prompts: Object.fromEntries(classNames.map((name, c) => [name, prompts[c]!])),
    truncatedPrompts: [...new Set(prompts.flat())].filter((p) => truncated.has(p)),
    metrics: { acc1: details.acc1, acc5: details.acc5, mean_per_class_recall: details.mean_per_class_recall },
    perClass: details.perClass.map((stats, c) => ({ label: classNames[c]!, ...stats })),
    confusion: { labels: classNames, matrix: details.confusion },
  };
}

function templateResult(template: PromptTemplate, metrics: ClassificationMetrics): TemplateResult {
  const { acc1, acc5, mean_per_class_recall } = metrics;
  return { line: template.line, template: template.source, metrics: { acc1, acc5, mean_per_class_recall } };
}

function itemResult(
  id: string,
  label: string,
  index: number,
  sets: readonly PromptSetResult[],
  details: readonly ClassificationDetails[],
  classNames: readonly string[],
  head: LogitHead,
): ItemResult {
  const predictions = Object.fromEntries(sets.map((set, s) => [set.name, topK(details[s]!.logits[index]!, classNames, head)]));
  return { id, label, predictions };
}

function topK(logits: Float64Array, classNames: readonly string[], head: LogitHead): { label: string; prob: number }[] {
  const probs = classProbabilities(logits, head);
  return [...probs.keys()]
    .sort((a, b) => probs[b]! - probs[a]! || a - b)
    .slice(0, TOP_K)
    .map((c) => ({ label: classNames[c]!, prob: probs[c]! }));
}

function datasetInfo({ dataset, subset }: ClassificationRunOptions): RunInfo['dataset'] {
  return {
    name: dataset.name,
    format: dataset.format,
    path: dataset.root,
    itemCount: dataset.items.length,
    classNames: dataset.classNames,
    limit: subset.limit,
    perClass: subset.perClass,
  };
}
