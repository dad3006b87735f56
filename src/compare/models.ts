import type { DtypeCheck, ModelContrast, ModelCost } from '../results/multiModelSchema.js';
import type { Results } from '../results/schema.js';
import { DEFAULT_BOOTSTRAP, pairedAcc1, type BootstrapSettings } from '../stats/index.js';

/** One model's part of a run, as the comparisons need it. */
export interface ModelOutcome {
  readonly key: string;
  readonly results: Results;
  readonly cost: ModelCost;
  /** Image embeddings by item id. */
  readonly imageEmbeddings: ReadonlyMap<string, Float32Array>;
}

/** Item ids every model evaluated, in the first model's order: paired tests need the same images. */
function sharedItems(models: readonly ModelOutcome[]): string[] {
  const sets = models.map((m) => new Set(m.results.items.map((i) => i.id)));
  return (models[0]?.results.items ?? []).map((i) => i.id).filter((id) => sets.every((s) => s.has(id)));
}

/** Per shared item: top-1 right under `set`, and the top-1 label. */
function outcomes(model: ModelOutcome, set: string, ids: readonly string[]): { correct: boolean[]; top1: string[] } {
  const byId = new Map(model.results.items.map((i) => [i.id, i]));
  const top1 = ids.map((id) => byId.get(id)!.predictions[set]?.[0]?.label ?? '');
  return { correct: ids.map((id, k) => top1[k] === byId.get(id)!.label), top1 };
}

/**
 * For each prompt file, the best model on it (highest acc1 on the shared images; the first on
 * ties) against each other model: McNemar's exact test and a paired bootstrap interval.
 */
export function contrastModels(models: readonly ModelOutcome[], settings: BootstrapSettings = DEFAULT_BOOTSTRAP): ModelContrast[] {
  if (models.length < 2) return [];
  const ids = sharedItems(models);
  if (ids.length === 0) return [];
  return models[0]!.results.promptSets.flatMap(({ name }) => {
    const correct = models.map((m) => outcomes(m, name, ids).correct);
    const scores = correct.map((c) => c.filter(Boolean).length);
    const best = scores.indexOf(Math.max(...scores));
    return models.flatMap((m, k) => {
      if (k === best) return [];
      const { delta, interval, pValue, lost, gained, significant } = pairedAcc1(correct[best]!, correct[k]!, settings);
      return [
        { promptSet: name, model: m.key, against: models[best]!.key, delta, interval: { ...interval }, pValue, lost, gained, significant },
      ];
    });
  });
}

/**
 * Each fp16 or q8 build against the fp32 build of the same model in the same run, per prompt file:
 * do they predict the same, does acc1 move, how close are the image embeddings, how much faster.
 */
export function checkDtypes(models: readonly ModelOutcome[], settings: BootstrapSettings = DEFAULT_BOOTSTRAP): DtypeCheck[] {
  const ids = sharedItems(models);
  return models.flatMap((m) => {
    const { id, dtype } = m.results.run.model;
    const reference = models.find((r) => r.results.run.model.id === id && r.results.run.model.dtype === 'fp32');
    if (dtype === 'fp32' || reference === undefined || ids.length === 0) return [];
    const imageCosine = cosines(reference, m, ids);
    const speedRatio =
      m.cost.imagesPerSecond !== null && reference.cost.imagesPerSecond !== null
        ? m.cost.imagesPerSecond / reference.cost.imagesPerSecond
        : null;
    return m.results.promptSets.map(({ name }) => {
      const ref = outcomes(reference, name, ids);
      const own = outcomes(m, name, ids);
      const paired = pairedAcc1(ref.correct, own.correct, settings);
      return {
        model: id,
        dtype,
        reference: 'fp32' as const,
        promptSet: name,
        top1Agreement: own.top1.filter((label, k) => label === ref.top1[k]).length / ids.length,
        acc1Delta: paired.delta,
        interval: { ...paired.interval },
        pValue: paired.pValue,
        significant: paired.significant,
        imageCosine,
        speedRatio,
      };
    });
  });
}

function cosines(a: ModelOutcome, b: ModelOutcome, ids: readonly string[]): { min: number; mean: number } {
  const values = ids.map((id) => cosine(a.imageEmbeddings.get(id)!, b.imageEmbeddings.get(id)!));
  return { min: Math.min(...values), mean: values.reduce((s, v) => s + v, 0) / values.length };
}

function cosine(x: Float32Array, y: Float32Array): number {
  let dot = 0;
  let xx = 0;
  let yy = 0;
  for (let d = 0; d < x.length; d++) {
    dot += x[d]! * y[d]!;
    xx += x[d]! * x[d]!;
    yy += y[d]! * y[d]!;
  }
  return dot / Math.max(Math.sqrt(xx * yy), 1e-12);
}
