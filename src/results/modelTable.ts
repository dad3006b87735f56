import { formatP, megabytes, parameterCount, percent, signedPoints } from '../util/format.js';
import { textTable } from '../util/textTable.js';
import { pairedCells } from './table.js';
import { modelKey } from '../config/models.js';
import type { MultiModelResults } from './multiModelSchema.js';

/**
 * The stdout of a run with several models: accuracy per (model, prompt file), what each model
 * costs, each model against the best one per prompt file, and the dtype checks.
 */
export function formatModelTables(results: MultiModelResults): string {
  const accuracy = textTable(
    ['model', 'prompt file', 'templates', 'acc1', 'acc5', 'mean per-class recall'],
    results.models.flatMap((m) =>
      m.results.promptSets.map((set) => [
        m.key,
        set.name,
        String(set.templates.length),
        percent(set.metrics.acc1),
        percent(set.metrics.acc5),
        percent(set.metrics.mean_per_class_recall),
      ]),
    ),
    new Set([0, 1]),
  );
  const costs = textTable(
    ['model', 'images/s', 'load', 'parameters', 'ONNX size'],
    results.models.map((m) => [
      m.key,
      m.cost.imagesPerSecond === null ? 'cached' : m.cost.imagesPerSecond.toFixed(1),
      `${m.cost.loadSeconds.toFixed(2)} s`,
      parameterCount(m.cost.parameters),
      megabytes(m.cost.onnxBytes),
    ]),
    new Set([0]),
  );
  return [...accuracy, '', ...costs, ...contrastLines(results), ...dtypeLines(results)].join('\n');
}

function contrastLines(results: MultiModelResults): string[] {
  if (results.modelContrasts.length === 0) return [];
  const rows = results.modelContrasts.map((c) => [c.promptSet, `${c.model} vs ${c.against}`, ...pairedCells(c)]);
  return [
    '',
    'models against the best model on each prompt file, paired on the same images (McNemar exact test, paired bootstrap 95% CI):',
    ...textTable(
      ['prompt file', 'model vs best', 'Δacc1 pts', '95% CI (pts)', 'McNemar p', 'lost/gained', 'difference'],
      rows,
      new Set([0, 1, 3, 6]),
    ),
  ];
}

function dtypeLines(results: MultiModelResults): string[] {
  if (results.dtypeChecks.length === 0) return [];
  const rows = results.dtypeChecks.map((d) => [
    `${modelKey(d.model, d.dtype)} vs fp32`,
    d.promptSet,
    percent(d.top1Agreement),
    signedPoints(d.acc1Delta),
    `[${signedPoints(d.interval.lo)}, ${signedPoints(d.interval.hi)}]`,
    formatP(d.pValue),
    `${d.imageCosine.min.toFixed(4)} / ${d.imageCosine.mean.toFixed(4)}`,
    d.speedRatio === null ? 'n/a' : `${d.speedRatio.toFixed(2)}×`,
  ]);
  return [
    '',
    'dtype check (each reduced-precision build against fp32 of the same model, same images):',
    ...textTable(
      ['build', 'prompt file', 'top-1 agreement', 'Δacc1 pts', '95% CI (pts)', 'McNemar p', 'image cosine min / mean', 'speed'],
      rows,
      new Set([0, 1, 4, 6]),
    ),
  ];
}
