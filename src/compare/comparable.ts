import path from 'node:path';
import { InputError } from '../errors.js';
import { weightsFingerprint } from '../history/record.js';
import type { RunSummary } from './summary.js';

/** The two runs cannot be compared; the message says how they differ and what to do. CLI exit 2. */
export class NotComparableError extends InputError {
  override readonly name: string = 'NotComparableError';
}

const EXAMPLES = 3;
const REMEDY = 'Compare runs over the same images, or save a new baseline with `bench baseline save` if the change is intended.';

/** Items of both runs in the baseline's order: `currentIndex[i]` is where baseline item i sits in the current run. */
export interface ItemAlignment {
  readonly currentIndex: Uint32Array;
  /** Class index of each paired item (by label), for mean per-class recall. */
  readonly classes: Uint32Array;
}

/** Pairs items by id; any item missing on one side, or labelled differently, makes the runs incomparable. */
export function alignItems(baseline: RunSummary, current: RunSummary): ItemAlignment {
  const currentById = new Map(current.items.map((item, i) => [item.id, i]));
  const baselineIds = new Set(baseline.items.map((item) => item.id));
  const onlyBaseline = baseline.items.filter((item) => !currentById.has(item.id)).map((item) => item.id);
  const onlyCurrent = current.items.filter((item) => !baselineIds.has(item.id)).map((item) => item.id);
  const relabelled = baseline.items.flatMap((item) => {
    const other = current.items[currentById.get(item.id) ?? -1];
    return other && other.label !== item.label ? [`${item.id} ("${item.label}" → "${other.label}")`] : [];
  });
  if (onlyBaseline.length + onlyCurrent.length + relabelled.length > 0) {
    throw new NotComparableError(itemMismatchMessage(baseline, current, onlyBaseline, onlyCurrent, relabelled));
  }
  const labels = new Map<string, number>();
  const classes = Uint32Array.from(baseline.items, (item) => {
    if (!labels.has(item.label)) labels.set(item.label, labels.size);
    return labels.get(item.label)!;
  });
  return { currentIndex: Uint32Array.from(baseline.items, (item) => currentById.get(item.id)!), classes };
}

function itemMismatchMessage(
  baseline: RunSummary,
  current: RunSummary,
  onlyBaseline: string[],
  onlyCurrent: string[],
  relabelled: string[],
): string {
  const common = baseline.items.length - onlyBaseline.length;
  const currentErrors = new Map(current.errors.map((e) => [e.item, e.reason]));
  const baselineErrors = new Map(baseline.errors.map((e) => [e.item, e.reason]));
  const explain = (id: string, errors: Map<string, string>, run: string): string =>
    errors.has(id) ? `${id} (unreadable in the ${run} run: ${errors.get(id)})` : id;
  const lines = [
    `cannot compare: the runs scored different images (baseline ${baseline.items.length}, current ${current.items.length}, ${common} in both).`,
  ];
  const list = (what: string, ids: string[]): void => {
    if (ids.length > 0)
      lines.push(`  ${what}: ${ids.length}, e.g. ${ids.slice(0, EXAMPLES).join(', ')}${ids.length > EXAMPLES ? ', …' : ''}`);
  };
  list(
    'only in the baseline',
    onlyBaseline.map((id) => explain(id, currentErrors, 'current')),
  );
  list(
    'only in the current run',
    onlyCurrent.map((id) => explain(id, baselineErrors, 'baseline')),
  );
  list('labelled differently', relabelled);
  lines.push(...subsetDifferences(baseline, current), REMEDY);
  return lines.join('\n');
}

function subsetDifferences(baseline: RunSummary, current: RunSummary): string[] {
  const show = (v: number | null): string => (v === null ? 'none' : String(v));
  const lines: string[] = [];
  if (baseline.dataset.name !== current.dataset.name)
    lines.push(`  dataset: baseline "${baseline.dataset.name}", current "${current.dataset.name}"`);
  for (const key of ['limit', 'perClass', 'seed'] as const) {
    if (baseline.dataset[key] !== current.dataset[key])
      lines.push(`  ${key}: baseline ${show(baseline.dataset[key])}, current ${show(current.dataset[key])}`);
  }
  return lines;
}

/** A description of how the models differ, or null when they are the same weights and dtype. */
export function modelDifference(baseline: RunSummary, current: RunSummary): string | null {
  const describe = (run: RunSummary): string =>
    `${displayModel(run.model.id)} (${run.model.dtype}, weights ${weightsFingerprint(run.model.onnxSha256).slice(0, 8)})`;
  const sameWeights = weightsFingerprint(baseline.model.onnxSha256) === weightsFingerprint(current.model.onnxSha256);
  if (sameWeights && baseline.model.dtype === current.model.dtype) return null;
  return `the model differs: baseline ${describe(baseline)}, current ${describe(current)}`;
}

/** Folder paths differ between machines; the folder name is what people recognise. */
export function displayModel(id: string): string {
  return path.isAbsolute(id) ? path.basename(id) : id;
}

/** How the data sets differ (name or classes), or null when they are the same. */
export function datasetDifference(baseline: RunSummary, current: RunSummary): string | null {
  const b = baseline.dataset;
  const c = current.dataset;
  if (b.name !== c.name) return `the dataset differs: baseline "${b.name}", current "${c.name}"`;
  if (b.classNames.join('\n') !== c.classNames.join('\n')) {
    const added = c.classNames.filter((n) => !b.classNames.includes(n));
    const removed = b.classNames.filter((n) => !c.classNames.includes(n));
    const detail =
      added.length + removed.length === 0
        ? 'same classes in another order'
        : `classes added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'}`;
    return `the dataset's classes differ (${detail})`;
  }
  return null;
}
