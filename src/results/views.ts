import type { MultiModelResults } from './multiModelSchema.js';
import type { RetrievalResults } from './retrievalSchema.js';
import type { ItemResult, PromptSetResult, Results } from './schema.js';

/** Any results.json ClipBench writes: one model of either task (version 1), or several models (version 2). */
export type AnyResults = Results | RetrievalResults | MultiModelResults;

export function isMultiModel(results: AnyResults): results is MultiModelResults {
  return results.schemaVersion === 2;
}

/** Each model's own results: one for a version-1 file, one per model for version 2. */
export function modelViews(results: AnyResults): readonly (Results | RetrievalResults)[] {
  return isMultiModel(results) ? results.models.map((m) => m.results) : [results];
}

/** The name of a (model, prompt file) pair in a flat view. */
export function flatName(modelKey: string, promptSet: string): string {
  return `${modelKey} · ${promptSet}`;
}

/**
 * Several models as one run of (model, prompt file) pairs, named `<model key> · <prompt file>`,
 * so that everything that compares prompt files (the report's charts, disagreements and gallery,
 * `bench compare`) compares every pair. Items are those every model evaluated, in the first
 * model's order. The run facts are the first model's, with `model.id` listing every key, the cache
 * counts of every model added up, and the whole run's duration.
 */
export function flatView(results: MultiModelResults): Results {
  const [first] = results.models;
  if (first === undefined) throw new Error('a multi-model results file without models');
  const byModel = results.models.map((m) => new Map(m.results.items.map((item) => [item.id, item])));
  const items: ItemResult[] = first.results.items.flatMap((item) => {
    const all = byModel.map((map) => map.get(item.id));
    if (all.some((i) => i === undefined)) return [];
    const predictions = Object.fromEntries(
      results.models.flatMap((m, k) => Object.entries(all[k]!.predictions).map(([set, top]) => [flatName(m.key, set), top])),
    );
    return [{ id: item.id, label: item.label, predictions }];
  });
  const promptSets: PromptSetResult[] = results.models.flatMap((m) =>
    m.results.promptSets.map((set) => ({ ...set, name: flatName(m.key, set.name) })),
  );
  const dtypes = [...new Set(results.models.map((m) => m.results.run.model.dtype))];
  const caches = results.models.map((m) => m.results.run.cache);
  const total = (kind: 'images' | 'texts') => ({
    fromCache: caches.reduce((n, c) => n + c[kind].fromCache, 0),
    computed: caches.reduce((n, c) => n + c[kind].computed, 0),
  });
  return {
    ...first.results,
    run: {
      ...first.results.run,
      model: { ...first.results.run.model, id: results.models.map((m) => m.key).join(', '), dtype: dtypes.join(', ') },
      cache: { ...first.results.run.cache, images: total('images'), texts: total('texts') },
      durationMs: results.run.durationMs,
    },
    promptSets,
    items,
    errors: [...new Map(results.models.flatMap((m) => m.results.errors.map((e) => [e.item, e]))).values()],
  };
}
