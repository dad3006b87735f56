import { InputError } from '../errors.js';
import { checkJson } from '../util/json.js';
import {
  BASELINE_KIND,
  BASELINE_SET_VERSION,
  BASELINE_VERSION,
  baselineSchema,
  baselineSetSchema,
  type BaselineFile,
  type BaselineSetFile,
} from './baselineSchema.js';
import type { RunSummary, SetSummary } from './summary.js';

export { BASELINE_KIND, BASELINE_VERSION, type BaselineFile, type BaselineSetFile } from './baselineSchema.js';

const FIX = 'write one with `bench baseline save`';

export function toBaselineFile(summary: RunSummary, savedAt = new Date()): BaselineFile {
  const bits = (values: Uint8Array): string => Array.from(values, (v) => (v ? '1' : '0')).join('');
  return {
    kind: BASELINE_KIND,
    baselineVersion: BASELINE_VERSION,
    savedAt: savedAt.toISOString(),
    run: { id: summary.origin.runId, createdAt: summary.origin.createdAt, toolVersion: summary.toolVersion, commit: summary.origin.commit },
    model: summary.model,
    preprocess: summary.preprocess,
    dataset: summary.dataset,
    promptSets: summary.promptSets.map((set) => ({
      name: set.name,
      file: set.file,
      templates: set.templates,
      metrics: set.metrics,
      top1: bits(set.top1),
      top5: set.top5 ? bits(set.top5) : null,
    })),
    errors: summary.errors,
    items: summary.items,
  };
}

/** Pretty JSON, except `items`: one compact object per line. */
export function serializeBaseline(baseline: BaselineFile): string {
  const { items, ...head } = baseline;
  const headJson = JSON.stringify(head, null, 2);
  const itemLines = items.length === 0 ? '[]' : `[\n${items.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`;
  return `${headJson.slice(0, -2)},\n  "items": ${itemLines}\n}\n`;
}

/** A run of several models: its baselines in one file, each kept in the compact one-item-per-line form. */
export function serializeBaselineSet(
  models: readonly { readonly key: string; readonly baseline: BaselineFile }[],
  savedAt = new Date(),
): string {
  const entries = models.map(
    ({ key, baseline }) =>
      `    {\n      "key": ${JSON.stringify(key)},\n      "baseline": ${serializeBaseline(baseline).trimEnd().replace(/\n/g, '\n      ')}\n    }`,
  );
  const head = { kind: BASELINE_KIND, baselineVersion: BASELINE_SET_VERSION, savedAt: savedAt.toISOString() };
  return `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "models": [\n${entries.join(',\n')}\n  ]\n}\n`;
}

/** Checks a parsed baseline file of several models; each model's entry becomes a RunSummary. */
export function baselineSetToSummaries(value: unknown, file: string): { readonly key: string; readonly summary: RunSummary }[] {
  const set: BaselineSetFile = checkJson(value, baselineSetSchema, file, { fix: FIX });
  return set.models.map(({ key, baseline }) => ({ key, summary: baselineToSummary(baseline, `${file} (${key})`) }));
}

export function isBaselineSetJson(value: unknown): boolean {
  return isBaselineJson(value) && (value as { baselineVersion?: unknown }).baselineVersion === BASELINE_SET_VERSION;
}

export function isBaselineJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === BASELINE_KIND;
}

/** Checks a parsed baseline file against its schema and turns it into a RunSummary. */
export function baselineToSummary(value: unknown, file: string): RunSummary {
  const b = checkJson(value, baselineSchema, file, { fix: FIX });
  const promptSets: SetSummary[] = b.promptSets.map((set, s) => ({
    name: set.name,
    file: set.file,
    templates: set.templates,
    metrics: set.metrics,
    top1: itemBits(set.top1, b.items.length, `${file}: promptSets[${s}].top1`),
    top5: set.top5 === null ? null : itemBits(set.top5, b.items.length, `${file}: promptSets[${s}].top5`),
  }));
  return {
    origin: { file, kind: 'baseline', runId: b.run.id, createdAt: b.run.createdAt, commit: b.run.commit },
    toolVersion: b.run.toolVersion,
    model: b.model,
    preprocess: b.preprocess,
    dataset: b.dataset,
    promptSets,
    items: b.items,
    errors: b.errors,
  };
}

/** One character per item: a length the schema cannot know. */
function itemBits(text: string, items: number, where: string): Uint8Array {
  if (text.length !== items)
    throw new InputError(`${where}: expected ${items} characters of 0 and 1 (one per item), got ${text.length}; ${FIX}`);
  return Uint8Array.from(text, (ch) => (ch === '1' ? 1 : 0));
}
